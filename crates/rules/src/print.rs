//! The canonical printer.

use crate::ast::{Ast, Expr};

/// Prints a tree in canonical form: upper-case `ANY`/`ALL`, lower-case variable names,
/// tag namespaces and keys as written, `, ` between members, single quotes unless the
/// value holds a `'` (then double quotes).
///
/// `parse(&print(ast))` gives back `ast` (ignoring spans) for every tree the parser can
/// produce. A hand-built value holding both quote characters has no spelling in the
/// language; it is printed in single quotes and will not parse back.
pub fn print(ast: &Ast) -> String {
    let mut out = String::new();
    print_expr(&ast.root, &mut out);
    out
}

fn print_expr(expr: &Expr, out: &mut String) {
    match expr {
        Expr::Group(group) => {
            out.push_str(group.kind.keyword());
            out.push_str(" {");
            for (i, item) in group.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                print_expr(item, out);
            }
            out.push('}');
        }
        Expr::Condition(cond) => {
            out.push_str(&cond.variable.to_string());
            if let Some(cmp) = &cond.comparison {
                let quote = if cmp.value.contains('\'') && !cmp.value.contains('"') {
                    '"'
                } else {
                    '\''
                };
                out.push(' ');
                out.push_str(cmp.op.as_str());
                out.push(' ');
                out.push(quote);
                out.push_str(&cmp.value);
                out.push(quote);
            }
        }
    }
}
