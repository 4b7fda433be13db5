; TypeScript and TSX reference sites (codeindex.refs); captures as in python.refs.scm.

(function_declaration name: (identifier) @definition)
(generator_function_declaration name: (identifier) @definition)
(function_signature name: (identifier) @definition)
(class_declaration name: (type_identifier) @definition)
(abstract_class_declaration name: (type_identifier) @definition)
(interface_declaration name: (type_identifier) @definition)
(type_alias_declaration name: (type_identifier) @definition)
(enum_declaration name: (identifier) @definition)
(type_parameter name: (type_identifier) @definition)
(variable_declarator name: (identifier) @definition)
(required_parameter pattern: (identifier) @definition)
(optional_parameter pattern: (identifier) @definition)
(import_specifier alias: (identifier) @definition)
(method_definition name: (property_identifier) @definition)
(public_field_definition name: (property_identifier) @definition)

(decorator (identifier) @reference.decorator)
(decorator (call_expression function: (identifier) @reference.decorator))
(decorator
  (call_expression
    function: (member_expression object: (_) @receiver property: (property_identifier)
      @reference.decorator)))

(call_expression function: (identifier) @reference.call)
(call_expression
  function: (member_expression object: (_) @receiver property: (property_identifier)
    @reference.call))
(new_expression constructor: (identifier) @reference.call)
(new_expression
  constructor: (member_expression object: (_) @receiver property: (property_identifier)
    @reference.call))

(import_statement
  (import_clause (named_imports (import_specifier name: (identifier) @reference.import)))
  source: (string (string_fragment) @receiver))
(import_clause (identifier) @reference.import)

(type_identifier) @reference.type
(extends_clause value: (identifier) @reference.type)
(nested_type_identifier module: (_) @receiver name: (type_identifier) @reference.type)

(member_expression object: (_) @receiver property: (property_identifier) @reference.attribute)

; Destructuring reads properties: `const { operator, source: s } = this` uses `operator` and
; `source` of `this` (both as the language service counts them).
(variable_declarator
  name: (object_pattern (shorthand_property_identifier_pattern) @reference.attribute)
  value: (_) @receiver)
(variable_declarator
  name: (object_pattern (pair_pattern key: (property_identifier) @reference.attribute))
  value: (_) @receiver)
(shorthand_property_identifier_pattern) @reference.attribute
(pair_pattern key: (property_identifier) @reference.attribute)

; `{ parse }` in an object literal reads the variable `parse`: its own node type, not an
; identifier, so the catch-all below would miss it.
(shorthand_property_identifier) @reference.name

(identifier) @reference.name
