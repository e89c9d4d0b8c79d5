fn main() {
    std::process::exit(ptear::cli::main());
}
