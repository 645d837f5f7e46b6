//! Code generation: the statics, `Type::pool()`, and the compile-time assertion that each is in its region's
//! budget ledger. On error, a fallback expansion keeps the user's item so that one mistake gives one error.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use crate::ast::{BinsDecl, PoolInput};
use crate::valid::{self, BoundPool, PoolKind, Region, ValidBins};
use crate::{attr, claim, config};

/// `#[memory_pool(args)] item`.
pub fn memory_pool(args: TokenStream, input: TokenStream) -> TokenStream {
    let parsed = match attr::pool_input(args, input.clone()) {
        Ok(parsed) => parsed,
        Err(error) => return fallback_item(input, error),
    };
    let plan = match config::load() {
        Ok(plan) => plan,
        Err(message) => {
            return pool_fallback(&parsed, syn::Error::new(Span::call_site(), message));
        }
    };
    match valid::pool(&parsed, &plan) {
        Ok(PoolKind::Own { count, region }) => own_pool(&parsed, count, &region),
        Ok(PoolKind::Bound(pool)) => bound_pool(&parsed, &pool),
        Err(error) => pool_fallback(&parsed, error),
    }
}

/// The item as written, with the errors: when it does not even parse as a struct.
fn fallback_item(input: TokenStream, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    quote! { #error #input }
}

/// The struct, the errors and a `pool()` of one value, so that uses of `Type::pool()` do not add errors.
fn pool_fallback(input: &PoolInput, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let item = &input.item;
    if !item.generics.params.is_empty() || !matches!(item.data, syn::Data::Struct(_)) {
        return quote! { #error #item };
    }
    let ident = &item.ident;
    let vis = &item.vis;
    quote! {
        #error
        #item
        impl #ident {
            #[allow(dead_code)]
            #vis fn pool() -> &'static ::flight_memory::TypedPool<#ident, 1> {
                ::core::unreachable!()
            }
        }
    }
}

fn own_pool(input: &PoolInput, count: u64, region: &Region) -> TokenStream {
    let item = &input.item;
    let ident = &item.ident;
    let vis = &item.vis;
    let count = count as usize;
    let slots = quote! { ::flight_memory::TypedSlots<#ident, #count> };
    let ty = quote! { ::flight_memory::TypedPool<#ident, #count, &'static #slots> };
    // The slots go to the region's section; the pool's state stays in the sections start-up code initialises.
    let section = region
        .section
        .as_ref()
        .map(|s| quote! { #[unsafe(link_section = #s)] });
    let doc = format!(
        "The static pool of {count} `{ident}`s declared by `#[memory_pool]`, counted in the budget of region `{}`.",
        region.name
    );
    let check = claim::claim(
        ident,
        &format!("#[memory_pool] on `{ident}`"),
        &region.name,
        quote! { (#ty, #slots) },
        TokenStream::new(),
    );
    quote! {
        #item
        impl #ident {
            #[doc = #doc]
            ///
            /// `alloc(value)` moves a value in and returns its owning `PoolBox`, or gives the value back in a
            /// `Rejected` when every slot is taken.
            #[allow(dead_code)]
            #vis fn pool() -> &'static #ty {
                #section
                static SLOTS: #slots = ::flight_memory::TypedSlots::new();
                // SAFETY: `SLOTS` is declared in this function, so no other code can name it: this pool is the
                // only one ever given these slots.
                static POOL: #ty = unsafe { ::flight_memory::TypedPool::with_slots(&SLOTS) };
                &POOL
            }
        }
        #check
    }
}

fn bound_pool(input: &PoolInput, pool: &BoundPool) -> TokenStream {
    let item = &input.item;
    let ident = &item.ident;
    let vis = &item.vis;
    let name = format_ident!("{}", pool.static_name);
    let count = pool.count as usize;
    let align = pool.align as usize;
    let doc = format!(
        "The pool `{}` of memory.toml (`{}`), `memory::pools::{}`, which `{ident}` fits.",
        pool.name, pool.location, pool.static_name
    );
    let (ty, check) = match pool.block_size {
        Some(block) => {
            let block = block as usize;
            let message = format!(
                "`{ident}` does not fit the blocks of pool `{}` ({}): they are {block} bytes aligned to {align}; make \
                 the type smaller or less aligned, or the pool's `block_size` (or `align`) larger",
                pool.name, pool.location
            );
            (
                quote! {
                    ::flight_memory::MemoryPool<#block, #count, #align, &'static ::flight_memory::PoolBlocks<#block, #count, #align>>
                },
                quote_spanned! {ident.span()=>
                    const _: () = {
                        if ::core::mem::size_of::<#ident>() > #block || ::core::mem::align_of::<#ident>() > #align {
                            ::core::panic!(#message);
                        }
                    };
                },
            )
        }
        None => (
            quote! { ::flight_memory::TypedPool<#ident, #count, &'static ::flight_memory::TypedSlots<#ident, #count>> },
            TokenStream::new(),
        ),
    };
    quote! {
        #item
        impl #ident {
            #[doc = #doc]
            #[allow(dead_code)]
            #vis fn pool() -> &'static #ty {
                &crate::memory::pools::#name
            }
        }
        #check
    }
}

/// `buffer_bins! { ... }`.
pub fn buffer_bins(input: TokenStream) -> TokenStream {
    let decls = match attr::bins_input(input) {
        Ok(decls) => decls,
        Err(error) => return error.to_compile_error(),
    };
    let plan = match config::load() {
        Ok(plan) => Ok(plan),
        Err(message) => Err(syn::Error::new(Span::call_site(), message)),
    };
    let mut out = TokenStream::new();
    for decl in &decls {
        let checked = match &plan {
            Ok(plan) => valid::bins(decl, plan),
            Err(error) => Err(error.clone()),
        };
        out.extend(match checked {
            Ok(valid) => manager(decl, &valid),
            Err(error) => bins_fallback(decl, error),
        });
    }
    out
}

/// The manager, through the runtime's `buffer_manager!` (its state and storage are only reachable by it).
fn manager(decl: &BinsDecl, valid: &ValidBins) -> TokenStream {
    let BinsDecl {
        attrs, vis, name, ..
    } = decl;
    let id = match &decl.id {
        Some(id) => quote! { #id },
        None => {
            let id = default_id(&name.to_string());
            quote! { #id }
        }
    };
    let align = match valid.align {
        Some(align) => {
            let align = align as usize;
            quote! { #align }
        }
        None => quote! { ::flight_memory::DEFAULT_BUFFER_ALIGNMENT },
    };
    let spill = match &decl.spill_over {
        Some(spill) => quote! { #spill },
        None => quote! { true },
    };
    let section = valid
        .region
        .section
        .as_ref()
        .map(|s| quote! { , section #s });
    let sizes: Vec<usize> = valid.bins.iter().map(|b| b.0 as usize).collect();
    let counts: Vec<usize> = valid.bins.iter().map(|b| b.1 as usize).collect();
    let bins = valid.bins.len();
    let max_bins = valid::MAX_BINS;
    let max_align = valid::MAX_BUFFER_ALIGNMENT as usize;
    let table = quote! {
        const TABLE: ::flight_memory::BinTable<#bins> = ::flight_memory::BinTable::with_alignment(
            [#(::flight_memory::Bin::new(#sizes, #counts)),*], #align);
        const _: () = ::core::assert!(
            ::flight_memory::MAX_BINS == #max_bins && ::flight_memory::MAX_BUFFER_ALIGNMENT == #max_align,
            "flight-memory-macros and flight-memory do not match: use the versions released together"
        );
    };
    let check = claim::claim(
        name,
        &format!("buffer_bins! `{name}`"),
        &valid.region.name,
        quote! {
            (
                ::flight_memory::BufferManager<'static>,
                ::flight_memory::BufferState<{ TABLE.bin_count() }, { TABLE.buffer_count() }>,
                ::flight_memory::BufferStorage<{ TABLE.storage_size() }, { TABLE.alignment() }>,
            )
        },
        table,
    );
    quote! {
        ::flight_memory::buffer_manager! {
            #(#attrs)*
            #vis static #name: id #id, align #align, spill_over #spill #section,
                bins [#(#sizes x #counts),*];
        }
        #check
    }
}

/// The static with a table of one buffer, and the errors: uses of it add no errors.
fn bins_fallback(decl: &BinsDecl, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let BinsDecl {
        attrs, vis, name, ..
    } = decl;
    quote! {
        #error
        ::flight_memory::buffer_manager! {
            #(#attrs)*
            #vis static #name: id 0, bins [1 x 1];
        }
    }
}

/// A `ManagerId` from the name, above 2^31 so it does not meet memory.toml's (numbered from 1).
fn default_id(name: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in name.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    0x8000_0000 | (hash & 0x7fff_ffff)
}
