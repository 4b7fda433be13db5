; Python: functions (sync and async), classes; nesting gives methods and qualified names.
(function_definition
  name: (identifier) @name) @definition.function

(class_definition
  name: (identifier) @name) @definition.class

; Module-level assignments (`X = ...`, `X: T = ...`): UPPER_CASE names are constants, others
; variables. Class attributes and locals are not indexed: these patterns only start at the
; module node. The earliest pattern wins, so the constant rule comes first.
(module
  (expression_statement
    (assignment
      left: (identifier) @name) @definition.constant)
  (#match? @name "^_*[A-Z][A-Z0-9_]*$"))

(module
  (expression_statement
    (assignment
      left: (identifier) @name) @definition.variable))
