; Python reference sites (codeindex.refs). Captures:
;   @reference.<kind>  a use of a name: call, decorator, import, type, attribute or name
;   @receiver          what the name is reached through (`obj` in `obj.name`, the module of
;                      `from module import name`), for narrowing `Type.name` queries
;   @definition        a name being defined or bound, never a reference
; Several patterns may capture one node: the earliest pattern in this file wins, so
; definitions come first and the catch-all `name` last.

(function_definition name: (identifier) @definition)
(class_definition name: (identifier) @definition)
(parameters (identifier) @definition)
(lambda_parameters (identifier) @definition)
(typed_parameter . (identifier) @definition)
(default_parameter name: (identifier) @definition)
(typed_default_parameter name: (identifier) @definition)
(keyword_argument name: (identifier) @definition)
(assignment left: (identifier) @definition)
(aliased_import alias: (identifier) @definition)
(global_statement (identifier) @definition)
(nonlocal_statement (identifier) @definition)

; `__all__ = ["parse", ...]` (or +=) exports parse: a use by name, as pyright counts it. The
; `__all__` node is the entry's receiver, so that `refs __all__` still reads it as a name.
(assignment
  left: (identifier) @receiver (#eq? @receiver "__all__")
  right: [
    (list (string (string_content) @reference.name))
    (tuple (string (string_content) @reference.name))
  ])
(augmented_assignment
  left: (identifier) @receiver (#eq? @receiver "__all__")
  right: [
    (list (string (string_content) @reference.name))
    (tuple (string (string_content) @reference.name))
  ])

(decorator (identifier) @reference.decorator)
(decorator (attribute object: (identifier) @reference.decorator))
(decorator (attribute object: (_) @receiver attribute: (identifier) @reference.decorator))
(decorator (call function: (identifier) @reference.decorator))
(decorator
  (call function: (attribute object: (_) @receiver attribute: (identifier) @reference.decorator)))

(call function: (identifier) @reference.call)
(call function: (attribute object: (_) @receiver attribute: (identifier) @reference.call))

(import_from_statement
  module_name: (dotted_name) @receiver
  name: (dotted_name (identifier) @reference.import))
(import_from_statement
  module_name: (dotted_name) @receiver
  name: (aliased_import name: (dotted_name (identifier) @reference.import)))
(import_from_statement module_name: (dotted_name (identifier) @reference.import))
(import_statement name: (dotted_name (identifier) @reference.import))
(import_statement name: (aliased_import name: (dotted_name (identifier) @reference.import)))

(type (identifier) @reference.type)
(generic_type (identifier) @reference.type)
(type (attribute object: (_) @receiver attribute: (identifier) @reference.type))
(class_definition superclasses: (argument_list (identifier) @reference.type))
(class_definition
  superclasses: (argument_list
    (attribute object: (_) @receiver attribute: (identifier) @reference.type)))

(attribute object: (_) @receiver attribute: (identifier) @reference.attribute)

(identifier) @reference.name
