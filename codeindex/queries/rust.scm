; Rust. Functions in an `impl` block are methods of the implementing type (`impl Trait for
; Type` too): the block is a scope named after the type, without generics, path or `&`/`dyn`.
; Impls for arrays, slices, tuples and fn pointers have no such name: their functions stay
; plain functions.
; Not indexed: associated and local `const`s, enum variants, fields.

(impl_item
  type: [(type_identifier) @name
         (primitive_type) @name
         (scoped_type_identifier name: (type_identifier) @name)
         (generic_type
           type: [(type_identifier) @name
                  (scoped_type_identifier name: (type_identifier) @name)])
         (dynamic_type
           trait: [(type_identifier) @name
                   (scoped_type_identifier name: (type_identifier) @name)])
         (reference_type
           type: [(type_identifier) @name
                  (primitive_type) @name
                  (scoped_type_identifier name: (type_identifier) @name)
                  (generic_type
                    type: [(type_identifier) @name
                           (scoped_type_identifier name: (type_identifier) @name)])])]) @scope

; Functions, also bodiless ones in traits and `extern` blocks.
(function_item
  name: (identifier) @name) @definition.function

(function_signature_item
  name: (identifier) @name) @definition.function

(struct_item
  name: (type_identifier) @name) @definition.struct

(union_item
  name: (type_identifier) @name) @definition.struct

(enum_item
  name: (type_identifier) @name) @definition.enum

(trait_item
  name: (type_identifier) @name) @definition.trait

; `type X = ...;` and associated types in traits.
(type_item
  name: (type_identifier) @name) @definition.type

(associated_type
  name: (type_identifier) @name) @definition.type

; `mod m { ... }` and `mod m;`
(mod_item
  name: (identifier) @name) @definition.module

(macro_definition
  name: (identifier) @name) @definition.macro

; Module-level `const` and `static` items; associated consts in `impl`/`trait` blocks and
; consts inside function bodies are not indexed. `static mut` is a variable.
(source_file
  (static_item
    (mutable_specifier)
    name: (identifier) @name) @definition.variable)

(mod_item
  body: (declaration_list
    (static_item
      (mutable_specifier)
      name: (identifier) @name) @definition.variable))

(source_file
  [(const_item name: (identifier) @name)
   (static_item name: (identifier) @name)] @definition.constant)

(mod_item
  body: (declaration_list
    [(const_item name: (identifier) @name)
     (static_item name: (identifier) @name)] @definition.constant))
