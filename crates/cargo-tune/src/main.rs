fn main() -> ! {
    cargo_tune::main_impl()
}
