//! What a pool's `type` may be: a type path or an array of one, parsed with `syn`. The text of a `type` goes into
//! generated code as written, so everything else (blocks and calls in lengths, closures, macros, tuples,
//! references) is refused with the reason and what is allowed.

/// Why `text` cannot be the type of a pool's blocks, and how to fix it; `None` if it can.
pub(crate) fn type_problem(text: &str) -> Option<(String, String)> {
    const EXAMPLE: &str = "write the path of a sized type, e.g. `type = \"crate::tlm::Packet\"` or `type = \"[u8; 64]\"`";
    // syn parses recursively: refuse input that could exhaust the stack before handing it over.
    let depth = text
        .chars()
        .fold((0usize, 0usize), |(depth, max), c| match c {
            '(' | '[' | '{' | '<' => (depth + 1, max.max(depth + 1)),
            ')' | ']' | '}' | '>' => (depth.saturating_sub(1), max),
            _ => (depth, max),
        });
    let prefixes = text.matches(['&', '*']).count() + text.matches("->").count();
    if text.len() > 512 || depth.1 + prefixes > 24 {
        return Some((
            "is too long or too deeply nested to be a type path".to_string(),
            EXAMPLE.to_string(),
        ));
    }
    if text.trim().is_empty() {
        return Some(("is empty".to_string(), EXAMPLE.to_string()));
    }
    if text.contains('/') {
        return Some((
            "has a comment or a `/`, which no type path has".to_string(),
            EXAMPLE.to_string(),
        ));
    }
    let ty = match syn::parse_str::<syn::Type>(text) {
        Ok(ty) => ty,
        Err(error) => {
            return Some((
                format!("does not parse as a Rust type: {error}"),
                EXAMPLE.to_string(),
            ));
        }
    };
    let unsized_reason = match &ty {
        syn::Type::ImplTrait(_) => Some("is an `impl Trait` type, which has no size here"),
        syn::Type::TraitObject(_) => Some("is a trait object, which has no static size"),
        syn::Type::Slice(_) => Some("is a slice, which has no static size"),
        syn::Type::Infer(_) => Some("is `_`, which cannot be inferred here"),
        syn::Type::Never(_) => Some("is `!`, which has no values to store"),
        syn::Type::Macro(_) => Some("is a macro invocation, which cannot be checked here"),
        syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
            Some("is `str`, which has no static size")
        }
        _ => None,
    };
    if let Some(reason) = unsized_reason {
        return Some((reason.to_string(), EXAMPLE.to_string()));
    }
    not_a_type_path(&ty).map(|reason| (reason.to_string(), ALLOWED_TYPES.to_string()))
}

/// What a `type` may be, as the help of an error says.
const ALLOWED_TYPES: &str = "a `type` is a type path, whose generic arguments are such types, lifetimes, \
    numbers or constants (`crate::tlm::Packet`, `heapless::Vec<u8, 64>`), or an array of one whose length is a \
    number or a constant's path (`[u8; 64]`, `[Sample; crate::SAMPLES]`)";

/// Why `ty` is not a type path or an array of one (the only types generated code copies), if it is not.
///
/// The text of a `type` goes into generated code as written, so anything that can hold code (a block in an
/// array length or a const generic argument, a closure, a macro) is refused here.
fn not_a_type_path(ty: &syn::Type) -> Option<&'static str> {
    match ty {
        syn::Type::Path(path) if !path.attrs.is_empty() => Some("has an attribute"),
        syn::Type::Path(path) if path.qself.is_some() => {
            Some("is a qualified path (`<T as Trait>::Name`), not a plain type path")
        }
        syn::Type::Path(path) => path_problem(&path.path),
        syn::Type::Array(array) if !array.attrs.is_empty() => Some("has an attribute"),
        syn::Type::Array(array) => {
            not_a_type_path(&array.elem).or_else(|| length_problem(&array.len))
        }
        syn::Type::Reference(_) => Some("is a reference, not a type path"),
        syn::Type::Ptr(_) => Some("is a raw pointer, not a type path"),
        syn::Type::Tuple(_) => Some("is a tuple, not a type path"),
        syn::Type::FnPtr(_) => Some("is a function pointer, not a type path"),
        syn::Type::Paren(_) | syn::Type::Group(_) => {
            Some("is in parentheses, not a plain type path")
        }
        _ => Some("is not a type path or an array of one"),
    }
}

fn path_problem(path: &syn::Path) -> Option<&'static str> {
    path.segments
        .iter()
        .find_map(|segment| match &segment.arguments {
            syn::PathArguments::None => None,
            syn::PathArguments::Parenthesized(_) => {
                Some("has `Fn(...)`-style arguments, which only traits take")
            }
            syn::PathArguments::AngleBracketed(arguments) => {
                arguments.args.iter().find_map(|argument| match argument {
                    syn::GenericArgument::Lifetime(_) => None,
                    syn::GenericArgument::Type(ty) => not_a_type_path(ty),
                    syn::GenericArgument::Const(expr) => length_problem(expr),
                    _ => Some("has an associated type or constant binding, which only traits take"),
                })
            }
        })
}

/// Why `expr` is not a usable array length or const generic argument: a number or a constant's path.
fn length_problem(expr: &syn::Expr) -> Option<&'static str> {
    let usable = match expr {
        syn::Expr::Lit(lit) => lit.attrs.is_empty() && matches!(lit.lit, syn::Lit::Int(_)),
        syn::Expr::Path(path) => {
            path.attrs.is_empty()
                && path.qself.is_none()
                && path
                    .path
                    .segments
                    .iter()
                    .all(|s| matches!(s.arguments, syn::PathArguments::None))
        }
        _ => false,
    };
    (!usable).then_some("has a length or constant that is neither a number nor a constant's path")
}

#[cfg(test)]
mod tests {
    use super::type_problem;

    #[test]
    fn type_paths() {
        for ok in [
            "crate::tlm::Packet",
            "[u8; 64]",
            "u32",
            "Option<core::num::NonZeroU32>",
            "heapless::Vec<u8, 64>",
            "crate::Ring<'static, [u8; crate::N], N>",
            "[[u8; 4]; 16]",
            "[Sample; crate::config::SAMPLES]",
            "::core::mem::MaybeUninit<u64>",
        ] {
            assert_eq!(type_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "crate::",
            "dyn Trait",
            "[u8]",
            "str",
            "_",
            "!",
            "impl Fn()",
            "a b",
            "m!()",
            "((((((((((((((((((((((((((u8))))))))))))))))))))))))))",
            "&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&&u8",
            "u32 // a comment",
            "u32 /* a comment */",
            "(u8, u16)",
            "&'static str",
            "*const u8",
            "fn()",
            "(u8)",
            "[u8; { 4 }]",
            "[u8; 2 + 2]",
            "[u8; len()]",
            "[u8; -1]",
            "[u8; 4.0]",
            "[[u8; { 4 }]; 2]",
            "Foo<{ 4 }>",
            "Foo<[u8; { 4 }]>",
            "Foo<&'static u8>",
            "<u8 as Trait>::Out",
            "Iterator<Item = u8>",
            "Fn(u8) -> u8",
            "[u8; N::<u8>]",
        ] {
            assert!(type_problem(bad).is_some(), "{bad}");
        }
    }
}
