// Call sites by callee name, from syn (the parser Rust's procedural macros use), for
// bench/refs_recall.py: ExprCall with a path callee (its last segment) and ExprMethodCall.
// Prints path<TAB>line<TAB>byte offset of the name in its line (0-based)<TAB>name.
use std::{env, fs, path::Path};
use syn::visit::{self, Visit};

struct Calls<'a> {
    path: &'a str,
    lines: Vec<&'a str>,
    out: String,
}

impl Calls<'_> {
    fn push(&mut self, ident: &syn::Ident) {
        let start = ident.span().start();
        let Some(line) = self.lines.get(start.line.wrapping_sub(1)) else { return };
        // proc-macro2 columns count characters; the bench wants bytes.
        let byte: usize = line.chars().take(start.column).map(char::len_utf8).sum();
        self.out.push_str(&format!("{}\t{}\t{}\t{}\n", self.path, start.line, byte, ident));
    }
}

impl<'ast> Visit<'ast> for Calls<'_> {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(callee) = &*call.func {
            if let Some(last) = callee.path.segments.last() {
                self.push(&last.ident);
            }
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        self.push(&call.method);
        visit::visit_expr_method_call(self, call);
    }
}

fn walk(dir: &Path, out: &mut String) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().map_or(false, |n| n != ".code-index") {
                walk(&path, out);
            }
        } else if path.extension().map_or(false, |e| e == "rs") {
            let Ok(text) = fs::read_to_string(&path) else { continue };
            // Not valid Rust for syn 1 (test data, newer syntax): no reference to compare.
            let Ok(file) = syn::parse_file(&text) else { continue };
            let name = path.to_string_lossy();
            let mut calls = Calls { path: &name, lines: text.split('\n').collect(), out: String::new() };
            calls.visit_file(&file);
            out.push_str(&calls.out);
        }
    }
}

fn main() {
    let root = env::args().nth(1).expect("usage: rust_calls ROOT");
    let mut out = String::new();
    walk(Path::new(&root), &mut out);
    print!("{out}");
}
