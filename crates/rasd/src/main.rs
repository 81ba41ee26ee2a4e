//! `rasd`: see `rasd --help`.

fn main() -> std::process::ExitCode {
    rasd::cli::main()
}
