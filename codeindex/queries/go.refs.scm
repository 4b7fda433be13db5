; Go reference sites (codeindex.refs); captures as in python.refs.scm.

(function_declaration name: (identifier) @definition)
(method_declaration name: (field_identifier) @definition)
(type_spec name: (type_identifier) @definition)
(type_alias name: (type_identifier) @definition)
(parameter_declaration name: (identifier) @definition)
(var_spec name: (identifier) @definition)
(const_spec name: (identifier) @definition)
(short_var_declaration left: (expression_list (identifier) @definition))
(field_declaration name: (field_identifier) @definition)
(method_elem name: (field_identifier) @definition)

(call_expression function: (identifier) @reference.call)
(call_expression
  function: (selector_expression operand: (_) @receiver field: (field_identifier) @reference.call))
(composite_literal type: (type_identifier) @reference.call)
(composite_literal
  type: (qualified_type package: (package_identifier) @receiver name: (type_identifier)
    @reference.call))

(qualified_type package: (package_identifier) @receiver name: (type_identifier) @reference.type)
(type_identifier) @reference.type

(selector_expression operand: (_) @receiver field: (field_identifier) @reference.attribute)

(identifier) @reference.name
