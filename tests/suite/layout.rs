//! The code's layering (ARCHITECTURE.md): the domain sits below the transports. A domain file
//! that imports the HTTP layer, the GraphQL layer or `startup` (where `AppState` lives) turns an
//! arrow back up, and the next module would copy it.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_domain_imports_nothing_from_the_layers_above_it() {
    let domain = Path::new(env!("CARGO_MANIFEST_DIR")).join("../api/src/domain");
    let mut files = Vec::new();
    rust_files(&domain, &mut files);
    assert!(files.len() > 20, "the domain's files are found: {files:?}");
    // The API's enums mirror the domain's through `#[graphql(remote = …)]` in the GraphQL layer,
    // so the domain does not name the GraphQL crate either.
    let upward = [
        "crate::startup",
        "crate::http",
        "crate::graphql",
        "actix",
        "async_graphql",
    ];
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if upward.iter().any(|u| line.contains(u)) {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the domain reaches up:\n{}",
        found.join("\n")
    );
}
