"""The watcher's scheduler on a fake clock: every time is a number we pass in, no sleeps."""

from __future__ import annotations

from codeindex.watch_schedule import Scheduler, Task, Timing

TIMING = Timing(debounce=0.2, max_latency=1.0, rescan_interval=30.0, merge_idle=2.0)


def run(plan: Scheduler, now: float, changed: bool = True) -> Task:
    """Take the task due at `now` and report it committed."""
    task = plan.next_task(now)
    assert isinstance(task, Task), task
    plan.committed(task, changed, now)
    return task


def started(now: float = 0.0) -> Scheduler:
    plan = Scheduler(TIMING, now)
    plan.committed(plan.start_task(), False, now)
    return plan


def test_a_batch_waits_for_quiet() -> None:
    plan = started()
    plan.add(["a.py"], 10.0)
    assert plan.next_task(10.1) == 10.2  # wake when the debounce ends
    plan.add(["b.py", "a.py"], 10.15)
    assert plan.next_task(10.2) == 10.35  # a new event restarts the quiet period
    task = plan.next_task(10.35)
    assert task == Task("changes", ["a.py", "b.py"])  # in order, duplicates collapsed
    assert not plan.pending


def test_a_constant_stream_is_cut_at_max_latency() -> None:
    plan = started()
    now = 5.0
    while True:
        plan.add([f"f{now:.1f}.py"], now)
        decision = plan.next_task(now + 0.1)
        if isinstance(decision, Task):
            break
        now += 0.1
    assert now + 0.1 >= 6.0 - 1e-9  # the first event's time plus max_latency
    assert now + 0.1 < 6.2
    assert len(decision.paths or ()) >= 10


def test_rescan_clock_and_its_share_of_time() -> None:
    plan = started(0.0)
    assert plan.next_task(1.0) == 30.0  # idle: sleep until the rescan is due
    task = plan.next_task(30.0)
    assert task == Task("rescan")
    plan.rescan_took(2.0)  # a 2 s walk: rescans may take 1 % of the time
    plan.committed(task, False, 32.0)
    assert plan.next_task(33.0) == 232.0
    plan.lost_events()  # an overflow: rescan at once
    assert plan.next_task(33.0) == Task("rescan")


def test_idle_merge_after_a_commit() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    run(plan, 1.2)
    assert plan.next_task(1.5) == 3.2  # merge_idle after the commit
    assert plan.next_task(3.2) == Task("merge")
    assert plan.next_task(3.3) == 31.2  # nothing more until the rescan
    plan.merge_refused()
    assert plan.next_task(3.4) == Task("merge")


def test_nothing_changed_means_no_merge() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    run(plan, 1.2, changed=False)
    assert plan.next_task(5.0) == 31.2


def test_cookie_before_the_first_reconcile_waits_for_it() -> None:
    plan = Scheduler(TIMING, 0.0)
    assert plan.cookie("c1") is False  # nothing committed yet: the reconcile may change all
    start = plan.start_task()
    assert plan.committed(start, True, 0.5) == ["c1"]


def test_an_answered_cookie_leaves_later_events_debounced() -> None:
    plan = Scheduler(TIMING, 0.0)
    plan.cookie("c1")  # during the start reconcile (an MCP call right after the start)
    assert plan.committed(plan.start_task(), False, 0.5) == ["c1"]
    plan.add(["a.py"], 1.0)
    assert plan.next_task(1.01) == 1.2  # the quiet period, as without any cookie


def test_cookie_with_nothing_pending_is_answered_at_once() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    run(plan, 1.2)
    assert plan.cookie("c1") is True


def test_cookie_flushes_the_queue_without_debounce() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    assert plan.cookie("c1") is False
    task = plan.next_task(1.01)  # no waiting for the 200 ms of quiet
    assert task == Task("changes", ["a.py"])
    plan.add(["b.py"], 1.02)  # arrived after the cookie: not needed for its answer
    assert plan.cookie("c2") is False
    assert plan.committed(task, True, 1.1) == ["c1"]
    assert plan.committed(plan.next_task(1.1), True, 1.2) == ["c2"]  # type: ignore[arg-type]


def test_a_batch_put_back_answers_no_cookie_and_runs_again() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    plan.cookie("c1")
    task = plan.next_task(1.0)
    assert isinstance(task, Task)
    plan.put_back(task, 1.5)  # another process held the writer lock
    assert plan.pending == {"a.py": None}
    assert plan.next_task(1.6) == 1.7  # debounced again from the put-back time
    assert plan.committed(plan.next_task(1.7), True, 1.8) == ["c1"]  # type: ignore[arg-type]


def test_a_rescan_answers_cookies_too() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    plan.cookie("c1")
    batch = plan.next_task(1.0)
    assert isinstance(batch, Task)
    plan.failed(batch, 1.1)  # the batch raised: its cookie waits for the rescan
    task = plan.next_task(1.1)
    assert task == Task("rescan")
    assert plan.committed(task, False, 1.5) == ["c1"]


def test_failed_reconcile_becomes_a_rescan() -> None:
    plan = Scheduler(TIMING, 0.0)
    plan.failed(plan.start_task(), 1.0)
    assert plan.next_task(1.0) == Task("rescan")


def test_failed_batch_becomes_a_rescan() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    task = plan.next_task(1.2)
    assert isinstance(task, Task)
    plan.failed(task, 2.0)
    assert plan.next_task(2.0) == Task("rescan")


def test_fall_back_rescans_often() -> None:
    plan = started()
    plan.fall_back(5.0, 0.0)
    assert plan.next_task(1.0) == 5.0
    task = plan.next_task(5.0)
    assert task == Task("rescan")
    plan.rescan_took(1.0)  # 5 % of the time when rescans are all there is
    plan.committed(task, False, 6.0)
    assert plan.next_task(7.0) == 26.0


def test_forgotten_cookies_are_handed_back() -> None:
    plan = started()
    plan.add(["a.py"], 1.0)
    plan.cookie("c1")
    assert plan.forget_cookies() == ["c1"]
    assert not plan.cookies
