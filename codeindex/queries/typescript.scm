; TypeScript and TSX (one query for both grammars).
; Not indexed: object-literal methods, `let`/`var` functions, consts inside function bodies
; (locals), class fields that do not hold a function, interface properties of function type.
; The earliest pattern wins when several match one node, so special cases come first.

; Constructors are method_definitions named `constructor`.
(class_body
  (method_definition
    name: (property_identifier) @name
    (#eq? @name "constructor")) @definition.constructor)

; Functions, including generators, overload signatures and `declare function`.
(function_declaration
  name: (identifier) @name) @definition.function

(generator_function_declaration
  name: (identifier) @name) @definition.function

(function_signature
  name: (identifier) @name) @definition.function

; `export default function () {}` and `export default class {}` have no identifier: they are
; indexed under their export name, `default`.
(export_statement
  "default" @name
  value: [(function_expression) (arrow_function)] @definition.function)

(export_statement
  "default" @name
  value: (class) @definition.class)

; Class members: methods (made `method` by nesting), abstract and overload signatures, and
; fields holding a function.
(class_body
  (method_definition
    name: [(property_identifier) (private_property_identifier) (string) (computed_property_name)]
      @name) @definition.function)

(class_body
  (method_signature
    name: [(property_identifier) (private_property_identifier) (string) (computed_property_name)]
      @name) @definition.function)

(class_body
  (abstract_method_signature
    name: [(property_identifier) (private_property_identifier) (string) (computed_property_name)]
      @name) @definition.function)

(class_body
  (public_field_definition
    name: [(property_identifier) (private_property_identifier)] @name
    value: [(arrow_function) (function_expression)]) @definition.function)

; Interface method signatures.
(interface_body
  (method_signature
    name: [(property_identifier) (string) (computed_property_name)] @name) @definition.function)

; Consts holding a function at module or namespace level, exported or not. Consts inside
; function bodies are locals and are not indexed.
(program
  [(lexical_declaration
     "const"
     (variable_declarator
       name: (identifier) @name
       value: [(arrow_function) (function_expression) (generator_function)])
       @definition.function)
   (export_statement
     (lexical_declaration
       "const"
       (variable_declarator
         name: (identifier) @name
         value: [(arrow_function) (function_expression) (generator_function)])
         @definition.function))])

(internal_module
  body: (statement_block
    [(lexical_declaration
       "const"
       (variable_declarator
         name: (identifier) @name
         value: [(arrow_function) (function_expression) (generator_function)])
         @definition.function)
     (export_statement
       (lexical_declaration
         "const"
         (variable_declarator
           name: (identifier) @name
           value: [(arrow_function) (function_expression) (generator_function)])
           @definition.function))]))

(module
  body: (statement_block
    [(lexical_declaration
       "const"
       (variable_declarator
         name: (identifier) @name
         value: [(arrow_function) (function_expression) (generator_function)])
         @definition.function)
     (export_statement
       (lexical_declaration
         "const"
         (variable_declarator
           name: (identifier) @name
           value: [(arrow_function) (function_expression) (generator_function)])
           @definition.function))]))

; Classes, also `const Name = class {}`.
(class_declaration
  name: (type_identifier) @name) @definition.class

(abstract_class_declaration
  name: (type_identifier) @name) @definition.class

(variable_declarator
  name: (identifier) @name
  value: (class)) @definition.class

(interface_declaration
  name: (type_identifier) @name) @definition.interface

(type_alias_declaration
  name: (type_identifier) @name) @definition.type

(enum_declaration
  name: (identifier) @name) @definition.enum

; `namespace A {}`, `module A.B {}` and `declare module "pkg" {}`. Not `declare module
; "../.."`: that augments a module of the package (hono's middleware add to its
; `ContextVariableMap`), whose names are the target's own, not `../...ContextVariableMap`.
(internal_module
  name: [(identifier) (nested_identifier)] @name) @definition.namespace

(module
  name: [(identifier) (nested_identifier)] @name) @definition.namespace

(module
  name: (string (string_fragment) @name)
  (#not-match? @name "^[.]")) @definition.namespace

; Exported `const`/`let`/`var` at module or namespace level that hold neither a function nor
; a class (those patterns come first and win): `const` is a constant, the others variables.
(export_statement
  (lexical_declaration
    "const"
    (variable_declarator
      name: (identifier) @name)) @definition.constant)

(export_statement
  [(lexical_declaration
     "let"
     (variable_declarator
       name: (identifier) @name))
   (variable_declaration
     (variable_declarator
       name: (identifier) @name))] @definition.variable)
