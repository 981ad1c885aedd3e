//! libsqlite3-sys (links = "sqlite3") says where its bundled sources are; pass it to main.
fn main() {
    let include = std::env::var("DEP_SQLITE3_INCLUDE").unwrap_or_default();
    println!("cargo:rustc-env=SQLITE3_SOURCE_DIR={include}");
    println!("cargo:rerun-if-env-changed=DEP_SQLITE3_INCLUDE");
}
