; Rust reference sites (codeindex.refs); captures as in python.refs.scm.

(function_item name: (identifier) @definition)
(function_signature_item name: (identifier) @definition)
(struct_item name: (type_identifier) @definition)
(enum_item name: (type_identifier) @definition)
(trait_item name: (type_identifier) @definition)
(type_item name: (type_identifier) @definition)
(union_item name: (type_identifier) @definition)
(const_item name: (identifier) @definition)
(static_item name: (identifier) @definition)
(mod_item name: (identifier) @definition)
(macro_definition name: (identifier) @definition)
(type_parameter name: (type_identifier) @definition)
(parameter pattern: (identifier) @definition)
(let_declaration pattern: (identifier) @definition)
(field_declaration name: (field_identifier) @definition)
(use_as_clause alias: (identifier) @definition)

(attribute_item (attribute (identifier) @reference.decorator))
(attribute_item (attribute (scoped_identifier path: (_) @receiver name: (identifier) @reference.decorator)))

(call_expression function: (identifier) @reference.call)
(call_expression
  function: (scoped_identifier path: (_) @receiver name: (identifier) @reference.call))
(call_expression
  function: (field_expression value: (_) @receiver field: (field_identifier) @reference.call))
(call_expression
  function: (generic_function
    function: (scoped_identifier path: (_) @receiver name: (identifier) @reference.call)))
(call_expression function: (generic_function function: (identifier) @reference.call))
(macro_invocation macro: (identifier) @reference.call)
(struct_expression name: (type_identifier) @reference.call)

(use_declaration argument: (scoped_identifier path: (_) @receiver name: (identifier) @reference.import))
(use_declaration argument: (identifier) @reference.import)
(use_list (identifier) @reference.import)
(use_list (scoped_identifier path: (_) @receiver name: (identifier) @reference.import))
(use_as_clause path: (scoped_identifier path: (_) @receiver name: (identifier) @reference.import))
(use_as_clause path: (identifier) @reference.import)
(scoped_use_list path: (scoped_identifier name: (identifier) @reference.import))
(scoped_use_list path: (identifier) @reference.import)

(scoped_type_identifier path: (_) @receiver name: (type_identifier) @reference.type)
(type_identifier) @reference.type

(field_expression value: (_) @receiver field: (field_identifier) @reference.attribute)
(scoped_identifier path: (_) @receiver name: (identifier) @reference.name)

(identifier) @reference.name
