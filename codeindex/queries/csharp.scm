; C#. Namespaces scope everything inside them: `MyApp.Services.UserService.GetUser`.
; Not indexed: fields other than `const` and `static readonly`, events, operators, finalizers,
; enum members.

; A file-scoped namespace (`namespace MyApp.Services;`) prefixes every name in the file and is
; a symbol itself.
(file_scoped_namespace_declaration
  name: [(identifier) (qualified_name)] @package @name) @definition.namespace

(namespace_declaration
  name: [(identifier) (qualified_name)] @name) @definition.namespace

(class_declaration
  name: (identifier) @name) @definition.class

; `record`, `record class` and `record struct`.
(record_declaration
  name: (identifier) @name) @definition.record

(struct_declaration
  name: (identifier) @name) @definition.struct

(interface_declaration
  name: (identifier) @name) @definition.interface

(enum_declaration
  name: (identifier) @name) @definition.enum

(delegate_declaration
  name: (identifier) @name) @definition.type

; Methods (nesting in a type makes them `method`) and local functions inside method bodies.
(method_declaration
  name: (identifier) @name) @definition.function

(local_function_statement
  name: (identifier) @name) @definition.function

; Instance and static constructors.
(constructor_declaration
  name: (identifier) @name) @definition.constructor

(property_declaration
  name: (identifier) @name) @definition.property

; An indexer `this[int i]` is a property named `this`.
(indexer_declaration
  "this" @name) @definition.property

; `const` fields and `static readonly` fields are constants; other fields are not indexed.
(field_declaration
  (modifier) @_const
  (#eq? @_const "const")
  (variable_declaration
    (variable_declarator
      name: (identifier) @name))) @definition.constant

(field_declaration
  (modifier) @_static
  (#eq? @_static "static")
  (modifier) @_readonly
  (#eq? @_readonly "readonly")
  (variable_declaration
    (variable_declarator
      name: (identifier) @name))) @definition.constant
