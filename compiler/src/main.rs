//! The `edict` binary: a thin wrapper around [`edict_compiler::cli::run`].

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = edict_compiler::cli::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
