; Go. Qualified names start with the package name: `users.UserStore.LookupUser`.
; Not indexed: struct fields, locals.

(package_clause
  (package_identifier) @package)

(function_declaration
  name: (identifier) @name) @definition.function

; Methods hang under their receiver's type name, through pointers and type parameters.
(method_declaration
  receiver: (parameter_list
    (parameter_declaration
      type: [(type_identifier) @receiver
             (pointer_type (type_identifier) @receiver)
             (generic_type type: (type_identifier) @receiver)
             (pointer_type (generic_type type: (type_identifier) @receiver))]))
  name: (field_identifier) @name) @definition.method

; Specs inside `type ( ... )` groups are definitions of their own. These come before the
; single-spec patterns below, so a group with one spec is still read as a group.
(type_declaration
  "("
  (type_spec
    name: (type_identifier) @name
    type: (struct_type)) @definition.struct)

(type_declaration
  "("
  (type_spec
    name: (type_identifier) @name
    type: (interface_type)) @definition.interface)

(type_declaration
  "("
  [(type_spec name: (type_identifier) @name)
   (type_alias name: (type_identifier) @name)] @definition.type)

; A lone `type X ...` is the whole declaration, so the signature keeps its `type` keyword.
(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (struct_type))) @definition.struct

(type_declaration
  (type_spec
    name: (type_identifier) @name
    type: (interface_type))) @definition.interface

(type_declaration
  [(type_spec name: (type_identifier) @name)
   (type_alias name: (type_identifier) @name)]) @definition.type

; Interface methods; nesting in an interface makes them `method`.
(method_elem
  name: (field_identifier) @name) @definition.function

; Package-level constants and variables (ones inside function bodies are locals). A spec in a
; `const ( ... )` group is a definition of its own; a lone spec is its whole declaration, so
; its signature keeps the keyword.
(source_file
  (const_declaration
    "("
    (const_spec
      name: (identifier) @name) @definition.constant))

(source_file
  (const_declaration
    (const_spec
      name: (identifier) @name)) @definition.constant)

(source_file
  (var_declaration
    (var_spec_list
      (var_spec
        name: (identifier) @name) @definition.variable)))

(source_file
  (var_declaration
    (var_spec
      name: (identifier) @name)) @definition.variable)
