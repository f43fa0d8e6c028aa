//! `portal-pack`: the portal's build steps after cargo, called by `scripts/build-portal.sh`.
//!
//! - `split IN.wasm STAGING`: splits the module at its `#[lazy_route]` / `#[lazy]` split points
//!   (the `wasm_split_cli_support` library that cargo-leptos uses). Writes the main module as
//!   `STAGING/portal_split.wasm` (wasm-bindgen runs on it next), one `.wasm` per lazily loaded
//!   part and the loader `__wasm_split.js`.
//! - `finish STAGING SOURCE DIST [--budget BYTES]`: moves the assets under
//!   `DIST/assets/<content hash>/` (so every URL changes when any byte does, and the server may
//!   cache them for a year), writes `DIST/index.html` pointing at them, precompresses every file
//!   (brotli quality 11, gzip level 9) and prints each file's size. It fails when the files the
//!   sign-in page and Home download (index.html, the stylesheet, the boot script, the main JS
//!   and WASM, the split loader, and the parts Home loads at once: the live inbox) weigh more
//!   than BYTES compressed with brotli. Earlier builds' asset folders are kept (the newest
//!   few), so that a tab opened before a new build still finds its parts.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};

/// The files every first screen downloads, relative to the assets folder (index.html is added).
const FIRST_SCREEN: &[&str] = &[
    "style.css",
    "boot.js",
    "portal.js",
    "__wasm_split.js",
    "portal_bg.wasm",
];
/// Written by `split`, read by wasm-bindgen; not shipped.
const SPLIT_MAIN: &str = "portal_split.wasm";
/// How many earlier builds' asset folders `finish` keeps.
const KEEP_BUILDS: usize = 3;
/// Written by `split`: each lazily loaded part and the modules it needs.
const MANIFEST: &str = "__wasm_split_manifest.json";
/// Split functions (`#[lazy]`) that Home loads right after the first screen: their parts count
/// toward the budget too.
const HOME_PARTS: &[&str] = &["inbox_feed"];
/// The placeholder in the source index.html for the assets folder's URL.
const ASSETS_PLACEHOLDER: &str = "/__ASSETS__";

fn main() {
    if let Err(error) = run(std::env::args().skip(1).collect()) {
        eprintln!("portal-pack: {error:#}");
        std::process::exit(1);
    }
}

fn run(args: Vec<String>) -> Result<()> {
    match args.first().map(String::as_str) {
        Some("split") if args.len() == 3 => split(Path::new(&args[1]), Path::new(&args[2])),
        Some("finish") => {
            let (paths, budget) = match args.as_slice() {
                [_, a, b, c] => ([a, b, c], None),
                [_, a, b, c, flag, n] if flag == "--budget" => {
                    ([a, b, c], Some(n.parse::<u64>().context("--budget takes a byte count")?))
                }
                _ => bail!("usage: portal-pack finish STAGING SOURCE DIST [--budget BYTES]"),
            };
            finish(
                Path::new(paths[0]),
                Path::new(paths[1]),
                Path::new(paths[2]),
                budget,
            )
        }
        _ => bail!("usage: portal-pack split IN.wasm STAGING | finish STAGING SOURCE DIST [--budget BYTES]"),
    }
}

/// Removes everything in `dist` but its asset folders, and all but the newest `keep` of those.
fn prune(dist: &Path, keep: usize) -> Result<()> {
    if !dist.exists() {
        return Ok(());
    }
    for entry in fs::read_dir(dist)? {
        let entry = entry?;
        if entry.file_name() != "assets" {
            let path = entry.path();
            if path.is_dir() {
                fs::remove_dir_all(&path)?;
            } else {
                fs::remove_file(&path)?;
            }
        }
    }
    let assets = dist.join("assets");
    if !assets.is_dir() {
        return Ok(());
    }
    let mut builds: Vec<(std::time::SystemTime, PathBuf)> = fs::read_dir(&assets)?
        .filter_map(|e| e.ok())
        .map(|e| {
            let modified = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (modified, e.path())
        })
        .collect();
    builds.sort_by_key(|b| std::cmp::Reverse(b.0));
    for (_, old) in builds.into_iter().skip(keep) {
        fs::remove_dir_all(&old)?;
    }
    Ok(())
}

fn split(input: &Path, staging: &Path) -> Result<()> {
    let wasm = fs::read(input).with_context(|| format!("reading {}", input.display()))?;
    fs::create_dir_all(staging)?;
    let main_out = staging.join(SPLIT_MAIN);
    let result = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&wasm);
        opts.output_dir = staging;
        opts.main_out_path = &main_out;
        // The loader imports `initSync` from the main module's JS, which sits beside it.
        opts.main_module = "./portal.js";
        opts.link_name = "./__wasm_split.js";
        opts.target.web();
        opts
    })
    .map_err(|e| anyhow::anyhow!("{e:#}"))
    .context("splitting the WASM module")?;
    fs::write(
        staging.join(MANIFEST),
        serde_json::to_string_pretty(&result.prefetch_map)?,
    )?;
    let mut parts: Vec<_> = result.prefetch_map.into_iter().collect();
    parts.sort();
    println!("  {} lazily loaded part(s)", parts.len());
    for (split, deps) in parts {
        println!("    {split}: {}", deps.join(", "));
    }
    Ok(())
}

struct Sizes {
    raw: u64,
    gzip: u64,
    brotli: u64,
}

fn compress(path: &Path) -> Result<Sizes> {
    let data = fs::read(path)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data)?;
    let gz = gz.finish()?;
    let mut br = Vec::new();
    {
        // quality 11 (the highest), window 2^24 (the largest).
        let mut w = brotli::CompressorWriter::new(&mut br, 64 * 1024, 11, 24);
        w.write_all(&data)?;
        w.flush()?;
    }
    let with_ext = |ext: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    fs::write(with_ext(".gz"), &gz)?;
    fs::write(with_ext(".br"), &br)?;
    Ok(Sizes {
        raw: data.len() as u64,
        gzip: gz.len() as u64,
        brotli: br.len() as u64,
    })
}

fn finish(staging: &Path, source: &Path, dist: &Path, budget: Option<u64>) -> Result<()> {
    let mut names: Vec<String> = fs::read_dir(staging)?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| {
            n != SPLIT_MAIN
                && n != MANIFEST
                && (n.ends_with(".js")
                    || n.ends_with(".wasm")
                    || n.ends_with(".css")
                    || n.ends_with(".json"))
        })
        .collect();
    names.sort();
    for needed in ["style.css", "boot.js", "portal.js", "portal_bg.wasm"] {
        if !names.iter().any(|n| n == needed) {
            bail!("{needed} is missing from {}", staging.display());
        }
    }
    // One hash over every asset: the files import each other by relative name (the main JS
    // imports the split loader, which imports the main JS back), so they move together.
    let mut hasher = Sha256::new();
    for name in &names {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(fs::read(staging.join(name))?);
        hasher.update([0]);
    }
    let hash = hex::encode(&hasher.finalize()[..8]);
    let assets_url = format!("/assets/{hash}");

    // Earlier builds' asset folders stay (the newest few): a tab opened before a new build
    // still loads its lazily loaded parts by their old URLs. Everything else is rewritten.
    prune(dist, KEEP_BUILDS)?;
    let assets_dir = dist.join("assets").join(&hash);
    if assets_dir.exists() {
        fs::remove_dir_all(&assets_dir)?;
    }
    fs::create_dir_all(&assets_dir)?;
    for name in &names {
        fs::copy(staging.join(name), assets_dir.join(name))?;
    }
    let index = fs::read_to_string(source.join("index.html"))?;
    if !index.contains(ASSETS_PLACEHOLDER) {
        bail!(
            "{}/index.html does not name {ASSETS_PLACEHOLDER}",
            source.display()
        );
    }
    fs::write(
        dist.join("index.html"),
        index.replace(ASSETS_PLACEHOLDER, &assets_url),
    )?;

    // The lazily loaded parts Home fetches right away (and the shared modules they need).
    let manifest: std::collections::HashMap<String, Vec<String>> =
        serde_json::from_str(&fs::read_to_string(staging.join(MANIFEST))?)
            .context("reading the split manifest")?;
    let mut home_parts: Vec<String> = Vec::new();
    for wanted in HOME_PARTS {
        let Some((_, deps)) = manifest.iter().find(|(split, _)| split.contains(wanted)) else {
            bail!("no lazily loaded part named {wanted}: update HOME_PARTS");
        };
        home_parts.extend(deps.iter().map(|d| format!("{d}.wasm")));
    }
    println!(
        "  {:<28} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip -9", "brotli 11"
    );
    let mut first = Sizes {
        raw: 0,
        gzip: 0,
        brotli: 0,
    };
    let mut rows = vec![("index.html".to_string(), dist.join("index.html"))];
    rows.extend(
        names
            .iter()
            .map(|n| (format!("assets/…/{n}"), assets_dir.join(n))),
    );
    for (label, path) in rows {
        let sizes = compress(&path)?;
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let on_first = file == "index.html"
            || FIRST_SCREEN.contains(&file)
            || home_parts.iter().any(|p| p == file);
        if on_first {
            first.raw += sizes.raw;
            first.gzip += sizes.gzip;
            first.brotli += sizes.brotli;
        }
        println!(
            "  {:<28} {:>10} {:>10} {:>10}{}",
            label,
            sizes.raw,
            sizes.gzip,
            sizes.brotli,
            if on_first { "" } else { "   (lazy)" }
        );
    }
    println!(
        "  first screen (sign-in and Home): {} bytes raw, {} gzip, {} brotli (as served)",
        first.raw, first.gzip, first.brotli
    );
    if let Some(budget) = budget {
        if first.brotli > budget {
            bail!(
                "the first screen weighs {} bytes compressed, over its budget of {budget} (DESIGN §12)",
                first.brotli
            );
        }
        println!("  within the budget of {budget} bytes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn a_build_keeps_the_newest_earlier_asset_folders_and_nothing_else() {
        let dist = std::env::temp_dir().join(format!("portal-pack-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dist);
        let assets = dist.join("assets");
        for (i, name) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            let dir = assets.join(name);
            fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
            fs::write(dir.join("portal.js"), "x").unwrap_or_else(|e| panic!("{e}"));
            // "a" is the oldest, "e" the newest.
            let when = SystemTime::now() - Duration::from_secs(1000 - i as u64 * 100);
            fs::File::open(&dir)
                .and_then(|f| f.set_modified(when))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        fs::write(dist.join("index.html"), "old").unwrap_or_else(|e| panic!("{e}"));
        prune(&dist, 3).unwrap_or_else(|e| panic!("{e:#}"));
        let mut left: Vec<String> = fs::read_dir(&assets)
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        left.sort();
        assert_eq!(left, ["c", "d", "e"]);
        assert!(
            !dist.join("index.html").exists(),
            "the old index.html stayed"
        );
        assert!(assets.join("e").join("portal.js").exists());
        let _ = fs::remove_dir_all(&dist);
    }
}
