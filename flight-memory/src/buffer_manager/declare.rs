//! [`buffer_manager!`](crate::buffer_manager): a `static` buffer manager in one declaration, with its table,
//! state and storage hidden where nothing else can reach them.

/// Declares `static` [`BufferManager`](crate::BufferManager)s: the bins table (checked by the compiler), the
/// state and the storage, in one line each.
///
/// ```text
/// buffer_manager! {
///     [attributes] [visibility] static NAME: id ID [, align ALIGN] [, spill_over BOOL] [, hook FN]
///         [, section "LINK_SECTION"], bins [SIZE x COUNT, ...];
///     ...
/// }
/// ```
///
/// * `id`: the [`ManagerId`](crate::ManagerId) number carried by its raw buffers;
/// * `align`: the alignment of every buffer (default [`DEFAULT_BUFFER_ALIGNMENT`](crate::DEFAULT_BUFFER_ALIGNMENT));
/// * `spill_over`: whether a full bin spills to larger ones (default `true`);
/// * `hook`: a [`FailureHook`](crate::FailureHook);
/// * `section`: a linker section for the buffer bytes only (`#[unsafe(link_section = ...)]`); the state stays in
///   `.bss` and the manager in `.data`, which start-up code initialises;
/// * `bins`: `SIZE x COUNT` pairs in any order (each a literal, or an expression in braces or parentheses).
///
/// The state and storage are `static`s declared inside the manager's initialiser, so no other code can name
/// them, let alone give them to a second manager: that is what makes the unsafe
/// [`BufferManager::new`](crate::BufferManager::new) sound here. The arguments are evaluated outside the
/// macro's own `unsafe` block, so an unsafe operation in one needs an `unsafe` the caller writes. A bad table
/// is a compile error.
///
/// ```
/// use flight_memory::{buffer_manager, BufferFailure};
///
/// fn log(failure: &BufferFailure) {
///     eprintln!("{failure}");
/// }
///
/// buffer_manager! {
///     /// Buffers for the radio.
///     pub static COMM: id 1, bins [128 x 32, 1024 x 16, 4096 x 4];
///     /// DMA buffers: 64-byte aligned, no spill-over, failures logged.
///     static DMA: id 2, align 64, spill_over false, hook log, bins [{ 2 * 512 } x 2, 256 x 8];
/// }
///
/// let packet = COMM.allocate(200)?;
/// assert_eq!((packet.bin(), packet.capacity()), (1, 1024));
/// let block = DMA.allocate(100)?;
/// assert_eq!(block.as_ptr() as usize % 64, 0);
/// # Ok::<(), flight_memory::AllocError>(())
/// ```
///
/// ```compile_fail
/// flight_memory::buffer_manager! {
///     // error: buffer manager bins: a bin has count 0; give it at least 1 buffer or remove it
///     static BAD: id 1, bins [128 x 0];
/// }
/// ```
#[macro_export]
macro_rules! buffer_manager {
    (@or $default:expr;) => { $default };
    (@or $default:expr; $value:expr) => { $value };
    ($(
        $(#[$attr:meta])*
        $vis:vis static $name:ident : id $id:expr
            $(, align $align:expr)?
            $(, spill_over $spill:expr)?
            $(, hook $hook:expr)?
            $(, section $section:literal)?
            , bins [$($size:tt x $count:tt),+ $(,)?] ;
    )+) => {$(
        $(#[$attr])*
        $vis static $name: $crate::BufferManager<'static> = {
            const TABLE: $crate::BinTable<{ [$($crate::Bin::new($size, $count)),+].len() }> =
                $crate::BinTable::with_alignment(
                    [$($crate::Bin::new($size, $count)),+],
                    $crate::buffer_manager!(@or $crate::DEFAULT_BUFFER_ALIGNMENT; $($align)?),
                );
            static STATE: $crate::BufferState<{ TABLE.bin_count() }, { TABLE.buffer_count() }> =
                $crate::BufferState::new();
            $(#[unsafe(link_section = $section)])?
            static STORAGE: $crate::BufferStorage<{ TABLE.storage_size() }, { TABLE.alignment() }> =
                $crate::BufferStorage::zeroed();
            // The caller's expressions are evaluated here, outside the `unsafe` block below, so that they cannot
            // use unsafe operations without an `unsafe` of their own.
            const __FLIGHT_MEMORY_ID: $crate::ManagerId = $crate::ManagerId($id);
            // SAFETY: STATE and STORAGE are declared in this block, so no other code can name them: they are new
            // and given to this manager only.
            unsafe { $crate::BufferManager::new(__FLIGHT_MEMORY_ID, &TABLE, &STATE, &STORAGE) }
                .with_spill_over($crate::buffer_manager!(@or true; $($spill)?))
                $(.with_failure_hook($hook))?
        };
    )+};
}
