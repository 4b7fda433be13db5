; Python: functions (sync and async), classes; nesting gives methods and qualified names.
(function_definition
  name: (identifier) @name) @definition.function

(class_definition
  name: (identifier) @name) @definition.class
