//! `rasd`: see `rasd --help`.

// The stage cores allocate many small strings per article (tokens, mention
// texts, JSON); mimalloc's thread-local free lists cut that cost, and with
// several stage workers per process it avoids glibc's arena contention.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    rasd::cli::main()
}
