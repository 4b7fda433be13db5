; C# reference sites (codeindex.refs); captures as in python.refs.scm. Type names are plain
; identifiers in C#'s grammar, so type positions are listed one by one.

(class_declaration name: (identifier) @definition)
(struct_declaration name: (identifier) @definition)
(interface_declaration name: (identifier) @definition)
(record_declaration name: (identifier) @definition)
(enum_declaration name: (identifier) @definition)
(method_declaration name: (identifier) @definition)
(constructor_declaration name: (identifier) @definition)
(property_declaration name: (identifier) @definition)
(local_function_statement name: (identifier) @definition)
(variable_declarator name: (identifier) @definition)
(parameter name: (identifier) @definition)
(type_parameter name: (identifier) @definition)
(namespace_declaration name: (_) @definition)

(attribute name: (identifier) @reference.decorator)
(attribute name: (qualified_name qualifier: (_) @receiver name: (identifier) @reference.decorator))

(invocation_expression function: (identifier) @reference.call)
(invocation_expression function: (generic_name (identifier) @reference.call))
(invocation_expression
  function: (member_access_expression expression: _ @receiver name: (identifier) @reference.call))
(invocation_expression
  function: (member_access_expression
    expression: _ @receiver name: (generic_name (identifier) @reference.call)))
(object_creation_expression type: (identifier) @reference.call)
(object_creation_expression type: (generic_name (identifier) @reference.call))
(object_creation_expression
  type: (qualified_name qualifier: (_) @receiver name: (identifier) @reference.call))

(using_directive (identifier) @reference.import)
(using_directive (qualified_name qualifier: (_) @receiver name: (identifier) @reference.import))

(base_list (identifier) @reference.type)
(base_list (generic_name (identifier) @reference.type))
(generic_name (identifier) @reference.type)
(type_argument_list (identifier) @reference.type)
(variable_declaration type: (identifier) @reference.type)
(parameter type: (identifier) @reference.type)
(method_declaration returns: (identifier) @reference.type)
(property_declaration type: (identifier) @reference.type)
(qualified_name qualifier: (_) @receiver name: (identifier) @reference.type)

(member_access_expression expression: _ @receiver name: (identifier) @reference.attribute)

(identifier) @reference.name
