//! The `baton` binary: everything lives in the library.

// jemalloc rather than glibc's malloc: at 100 000 pairs glibc's arenas kept
// the answers' freed buffers (its mmap threshold rises with each one freed)
// and baton sat at 250-270 MiB resident for 120 MiB live; jemalloc gives
// them back and holds about 175. See docs/src/operations/performance.md.
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    baton::cli::main()
}
