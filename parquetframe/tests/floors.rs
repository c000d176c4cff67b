//! The library's modules are stacked in floors: a module may use items of its
//! own floor or of lower floors only, never of a higher one (see
//! ARCHITECTURE.md). This test reads the sources with std alone: it blanks out
//! comments and literals, collects every `crate::`, `super::` and `self::` path
//! (in `use` declarations and inline in code), resolves it to the module it
//! names and compares the floors.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The floors, from the bottom. Keys are module paths relative to the crate
/// root; the longest matching prefix wins. The key `""` is the crate root
/// itself: lib.rs with its inline modules (`prelude`, `__private`, `registry`).
const FLOORS: &[(&str, u8)] = &[
    // 1: the ground: errors, column handles, the thread pool, file-system helpers
    ("error", 1),
    ("column", 1),
    ("threads", 1),
    ("io", 1),
    // 2: Avro container and codecs, untyped
    ("avro", 2),
    // 3: layered configuration (owns Format, FkCheck)
    ("config", 3),
    // 4: progress, memory monitor, tracing
    ("ux", 4),
    // 5: one trait impl per field type
    ("types", 5),
    // 6: trait Record and struct<->Arrow drivers
    ("record", 6),
    ("record_batch", 6),
    // 7: trait Entity, relations, entities linked into the program
    ("entity", 7),
    // 8: petgraph schema graph
    ("graph", 8),
    // 9: Parquet and Avro files read and written, typed or untyped
    ("formats", 9),
    // 10: the store: tables, commits, catalog, cascade
    ("storage", 10),
    // 11: query plan and engines
    ("engine", 11),
    // 12: foreign-key validation
    ("validate", 12),
    // 13: facade (the crate root), active-record methods, the pframe CLI
    ("", 13),
    ("active_record", 13),
    ("bin", 13),
];

const HINT: &str = "a module may import only its own floor or lower ones; see ARCHITECTURE.md";

#[test]
fn no_module_imports_from_a_higher_floor() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = manifest.join("src");
    let root = read_root(&read(&src.join("lib.rs")));
    let (mut problems, mut checked) = (Vec::new(), 0);
    for file in rust_files(&src) {
        let module = module_of(file.strip_prefix(&src).unwrap());
        let shown = file.strip_prefix(manifest).unwrap().display().to_string();
        let Some(floor) = floor_of(&module) else {
            problems.push(format!("{shown}: module {} has no floor; give it one in FLOORS", show(&module)));
            continue;
        };
        // The pframe binary is a crate of its own: its `crate::` paths are its
        // own modules, and it reaches the library as `parquetframe::`.
        if module == ["bin"] {
            continue;
        }
        for found in paths_in(&read(&file), &module) {
            let Some(target) = absolute(&found.path, &found.scope) else { continue };
            checked += 1;
            let target_floor = match classify(&target, &root) {
                Target::Floor(f) if f <= floor => continue,
                Target::External => continue,
                Target::Floor(f) => format!("floor {f}"),
                Target::Unknown => "no floor".to_string(),
            };
            let (line, module) = (found.line, show(&module));
            problems.push(format!(
                "{shown}:{line}: {module} (floor {floor}) imports {} ({target_floor})",
                show(&target)
            ));
        }
    }
    assert!(checked > 200, "only {checked} crate paths found in src/: the parser is broken");
    assert!(problems.is_empty(), "{} problems ({HINT}):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_parser_resolves_paths() {
    // A multi-line nested use tree, with a rename, `self` and a glob.
    let src = "pub(crate) use crate::{\n    error::{Error, Result as R},\n    types::{self, *},\n};\nuse std::fmt;\n";
    let found = resolved(src, &["storage", "layout"]);
    assert_eq!(
        found,
        ["2: crate::error::Error", "2: crate::error::Result", "3: crate::types", "3: crate::types"]
    );
    // Inline paths: super::super from a nested file, self::, $crate in a macro.
    let src = "fn f() {\n    super::super::catalog::Catalog::open();\n    self::x::y::<u8>();\n}\n\
               macro_rules! m { () => { $crate::ux::trace() } }\n";
    let found = resolved(src, &["storage", "formats", "parquet"]);
    assert_eq!(
        found,
        [
            "2: crate::storage::catalog::Catalog::open",
            "3: crate::storage::formats::parquet::x::y",
            "5: crate::ux::trace"
        ]
    );
    // `super` of a mod.rs, and inside an inline module.
    assert_eq!(
        resolved("use super::Store;\nmod inner { use super::X; }", &["storage"]),
        ["1: crate::Store", "2: crate::storage::X"]
    );
    // Comments, strings, raw strings and char literals name no paths, and
    // lifetimes do not hide the code after them.
    let src = r##"/// Uses crate::engine::Query.
//! crate::engine
/* crate::engine /* nested */ crate::engine */
fn f<'a>(s: &'a str) -> char {
    let _ = "crate::engine \" crate::engine";
    let _ = r#"crate::engine "q""#;
    let _ = b"crate::engine";
    let q = '"';
    crate::error::Error::x(q, '\'')
}
"##;
    assert_eq!(resolved(src, &["x"]), ["9: crate::error::Error::x"]);
    // #[cfg(test)] items are skipped, the code after them is not.
    let src = "#[cfg(test)]\n#[allow(unused)]\nmod tests {\n    use crate::engine::Query;\n    fn t() { crate::storage::Store::open(); }\n}\nuse crate::error::Error;\n";
    assert_eq!(resolved(src, &["types"]), ["7: crate::error::Error"]);

    // Modules of files, and floors by longest prefix.
    let module = |file: &str| module_of(Path::new(file));
    assert_eq!(module("lib.rs"), Vec::<String>::new());
    assert_eq!(module("storage/mod.rs"), ["storage"]);
    assert_eq!(module("storage/formats/avro.rs"), ["storage", "formats", "avro"]);
    assert_eq!(module("bin/pframe/commands/mod.rs"), ["bin"]);
    assert_eq!(floor_of(&strings(&["formats", "avro"])), Some(9));
    assert_eq!(floor_of(&[]), Some(13));
    assert_eq!(floor_of(&strings(&["somewhere_new"])), None);

    // Names re-exported at the root resolve to their module; internal ones win.
    let root = read_root(
        "pub mod storage;\nmod entity;\npub use storage::{Store, StoreBuilder as Builder};\n\
         pub use parquetframe_derive::Entity;\npub use entity::Entity;\n#[cfg(feature = \"query\")]\npub use polars;\n\
         pub mod prelude { pub use crate::engine::Query; }\npub struct Docs;\n",
    );
    let target = |path: &[&str]| classify(&strings(path), &root);
    assert_eq!(target(&["Store", "open"]), Target::Floor(10));
    assert_eq!(target(&["Builder"]), Target::Floor(10));
    assert_eq!(target(&["Entity"]), Target::Floor(7));
    assert_eq!(target(&["storage", "catalog"]), Target::Floor(10));
    assert_eq!(target(&["polars", "DataFrame"]), Target::External);
    assert_eq!(target(&["prelude", "Query"]), Target::Floor(13));
    assert_eq!(target(&["Docs"]), Target::Floor(13));
    assert_eq!(target(&["Query"]), Target::Unknown);
}

/// `src`'s paths as `line: crate::absolute::path`, for the parser test.
fn resolved(src: &str, module: &[&str]) -> Vec<String> {
    let found = paths_in(src, &strings(module));
    let paths = found.iter().filter_map(|f| Some((f.line, absolute(&f.path, &f.scope)?)));
    paths.map(|(line, path)| format!("{line}: {}", show(&path))).collect()
}

fn strings(segments: &[&str]) -> Vec<String> {
    segments.iter().map(|s| s.to_string()).collect()
}

/// `crate::a::b` for a path from the crate root, `crate` for the root itself.
fn show(path: &[String]) -> String {
    std::iter::once("crate").chain(path.iter().map(String::as_str)).collect::<Vec<_>>().join("::")
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Every `.rs` file under `dir`, sorted so the report is stable.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The module a file (relative to src/) defines: `a/b.rs` is `a::b`,
/// `a/mod.rs` is `a`, `lib.rs` the crate root; all of `bin/` is `bin`.
fn module_of(file: &Path) -> Vec<String> {
    let mut module: Vec<String> =
        file.with_extension("").iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if module[0] == "bin" {
        module.truncate(1);
    } else if module.last().is_some_and(|last| last == "mod") || module == ["lib"] {
        module.pop();
    }
    module
}

/// The floor of a module path: the longest key that is a prefix of it, by
/// whole segments. The root key `""` matches the crate root only, so a new
/// top-level module has no floor until it is given one.
fn floor_of(path: &[String]) -> Option<u8> {
    let matches = |key: &str| match key {
        "" => path.is_empty(),
        _ => key.split("::").count() <= path.len() && key.split("::").zip(path).all(|(k, p)| k == p),
    };
    let (_, floor) = FLOORS.iter().filter(|(key, _)| matches(key)).max_by_key(|(key, _)| key.len())?;
    Some(*floor)
}

/// What a path's target is, seen from the floors.
#[derive(Debug, PartialEq)]
enum Target {
    Floor(u8),
    /// A root re-export of another crate (`crate::polars::...`): no floor of ours.
    External,
    /// A first segment the crate root does not declare: a parser gap or a new module.
    Unknown,
}

/// What lib.rs declares, to resolve `crate::Name` paths.
struct Root {
    /// Modules in files of their own: `mod x;`.
    modules: BTreeSet<String>,
    /// Inline modules and items defined in lib.rs itself: the crate root's floor.
    items: BTreeSet<String>,
    /// Names re-exported at the root -> the module they come from (None for another crate's).
    reexports: HashMap<String, Option<Vec<String>>>,
}

fn read_root(lib_rs: &str) -> Root {
    let tokens = tokens_of(lib_rs);
    let (mut modules, mut items, mut depth) = (BTreeSet::new(), BTreeSet::new(), 0);
    for (i, token) in tokens.iter().enumerate() {
        let text = |k: usize| tokens.get(k).map_or("", |t| t.text.as_str());
        match token.text.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            "mod" if depth == 0 && text(i + 2) == ";" => {
                modules.insert(text(i + 1).to_string());
            }
            "mod" | "fn" | "struct" | "enum" | "trait" | "type" | "const" | "static" | "union"
                if depth == 0 =>
            {
                items.insert(text(i + 1).to_string());
            }
            "macro_rules" if depth == 0 => {
                items.insert(text(i + 2).to_string());
            }
            _ => {}
        }
    }
    let mut reexports = HashMap::new();
    for found in scan(&tokens, &[]).into_iter().filter(|f| f.top_level_use) {
        let Some(name) = found.name else { continue };
        let path = match found.path.first().map(String::as_str) {
            Some("crate" | "self") => &found.path[1..],
            _ => &found.path[..],
        };
        let source = (path.len() > 1 && modules.contains(&path[0])).then(|| path[..path.len() - 1].to_vec());
        // A name re-exported twice (a trait and its derive macro) counts as the crate's own.
        if source.is_some() || !reexports.contains_key(&name) {
            reexports.insert(name, source);
        }
    }
    Root { modules, items, reexports }
}

/// Where an absolute path (segments after `crate::`) lands: modules by their
/// floor, root re-exports by the floor of the module they come from.
fn classify(path: &[String], root: &Root) -> Target {
    let floor = |path: &[String]| floor_of(path).map_or(Target::Unknown, Target::Floor);
    let Some(first) = path.first() else { return floor(&[]) };
    if root.modules.contains(first) {
        floor(path)
    } else if root.items.contains(first) {
        floor(&[])
    } else {
        match root.reexports.get(first) {
            Some(Some(module)) => floor(module),
            Some(None) => Target::External,
            None => Target::Unknown,
        }
    }
}

/// Makes a `crate::`, `super::` or `self::` path absolute (the segments after
/// the crate root), `scope` being the module it is written in. Other paths
/// (other crates, the file's own child modules) are None: they are fine.
fn absolute(path: &[String], scope: &[String]) -> Option<Vec<String>> {
    let mut base = match path.first()?.as_str() {
        "crate" => Vec::new(),
        "self" | "super" => scope.to_vec(),
        _ => return None,
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        base.pop();
    }
    while let Some(first) = rest.first().filter(|s| *s == "super" || *s == "self") {
        if first == "super" {
            base.pop();
        }
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// A path found in a source file.
#[derive(Debug)]
struct Found {
    line: usize,
    /// The module it is written in: the file's, plus any inline `mod x { }` around it.
    scope: Vec<String>,
    /// As written, renames and globs dropped: `use a::{self, b as c, *}` gives `a`, `a::b`, `a`.
    path: Vec<String>,
    /// The name a `use` binds (the rename, else the last segment); None for globs and inline paths.
    name: Option<String>,
    /// A `use` declaration outside any braces (for lib.rs: a root re-export).
    top_level_use: bool,
}

/// Every path in a file of module `module`, `#[cfg(test)]` items left out.
fn paths_in(src: &str, module: &[String]) -> Vec<Found> {
    scan(&tokens_of(src), module)
}

#[derive(Clone, Debug)]
struct Token {
    text: String,
    line: usize,
}

fn tokens_of(src: &str) -> Vec<Token> {
    without_test_items(tokenize(&strip_comments_and_strings(src)))
}

/// Walks the tokens: `use` trees are expanded, inline paths starting with
/// `crate`, `super` or `self` collected, inline modules tracked for `super`.
fn scan(tokens: &[Token], module: &[String]) -> Vec<Found> {
    let (mut found, mut inline, mut depth, mut i) = (Vec::new(), Vec::<(String, usize)>::new(), 0, 0);
    let text = |k: usize| tokens.get(k).map_or("", |t| t.text.as_str());
    while i < tokens.len() {
        let scope: Vec<String> =
            module.iter().cloned().chain(inline.iter().map(|(name, _)| name.clone())).collect();
        match text(i) {
            "{" => depth += 1,
            "}" => {
                if inline.last().is_some_and(|&(_, d)| d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if text(i + 2) == "{" => {
                depth += 1;
                inline.push((text(i + 1).to_string(), depth));
                i += 3;
                continue;
            }
            // `use<'a>` is precise capturing in `impl Trait + use<'a>`, not an import.
            "use" if text(i + 1) != "<" => {
                let mut trees = Vec::new();
                i += 1;
                use_tree(tokens, &mut i, Vec::new(), &mut trees);
                for (path, name, line) in trees {
                    found.push(Found { line, scope: scope.clone(), path, name, top_level_use: depth == 0 });
                }
                continue;
            }
            "crate" | "super" | "self" if text(i + 1) == "::" && (i == 0 || text(i - 1) != "::") => {
                let (line, mut path) = (tokens[i].line, vec![text(i).to_string()]);
                // Segments up to a turbofish, a macro's `!` or anything that is not `:: ident`.
                while text(i + 1) == "::" && is_ident(text(i + 2)) {
                    path.push(text(i + 2).to_string());
                    i += 2;
                }
                found.push(Found { line, scope, path, name: None, top_level_use: false });
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Expands the use tree at `tokens[*i]` into `(path, bound name, line)`,
/// each path prefixed with `prefix`; leaves `*i` after the tree.
fn use_tree(
    tokens: &[Token],
    i: &mut usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>, usize)>,
) {
    while let Some(token) = tokens.get(*i) {
        *i += 1;
        match token.text.as_str() {
            "::" => {}
            "{" => {
                while let Some(token) = tokens.get(*i) {
                    match token.text.as_str() {
                        "}" => break,
                        "," => *i += 1,
                        _ => use_tree(tokens, i, prefix.clone(), out),
                    }
                }
                *i += 1;
                return;
            }
            "*" => {
                out.push((prefix, None, token.line));
                return;
            }
            word if is_ident(word) => {
                prefix.push(word.to_string());
                match tokens.get(*i).map(|t| t.text.as_str()) {
                    Some("::") => {}
                    Some("as") => {
                        let name = tokens.get(*i + 1).map(|t| t.text.clone());
                        *i += 2;
                        out.push((without_self(prefix), name, token.line));
                        return;
                    }
                    _ => {
                        let prefix = without_self(prefix);
                        out.push((prefix.clone(), prefix.last().cloned(), token.line));
                        return;
                    }
                }
            }
            // Something else (`$name` in a macro, a syntax we do not know): keep what we have.
            _ => {
                if !prefix.is_empty() {
                    out.push((prefix, None, token.line));
                }
                return;
            }
        }
    }
}

/// `a::b::{self}` imports `a::b`.
fn without_self(mut path: Vec<String>) -> Vec<String> {
    if path.len() > 1 && path.last().is_some_and(|s| s == "self") {
        path.pop();
    }
    path
}

fn is_ident(text: &str) -> bool {
    text.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits code into identifiers (and numbers), `::` and single punctuation
/// characters, each with its line; `$crate` in a macro body reads as `crate`.
fn tokenize(code: &str) -> Vec<Token> {
    let c: Vec<char> = code.chars().collect();
    let (mut tokens, mut line, mut i) = (Vec::new(), 1, 0);
    let ident_end = |from: usize| (from..c.len()).find(|&k| !is_ident_char(c[k])).unwrap_or(c.len());
    while i < c.len() {
        let start = i;
        i = match c[i] {
            '\n' => {
                line += 1;
                i += 1;
                continue;
            }
            ch if ch.is_whitespace() => {
                i += 1;
                continue;
            }
            ch if is_ident_char(ch) => ident_end(i),
            ':' if c.get(i + 1) == Some(&':') => i + 2,
            '$' if c[i + 1..ident_end(i + 1)].iter().collect::<String>() == "crate" => {
                tokens.push(Token { text: "crate".into(), line });
                i = ident_end(i + 1);
                continue;
            }
            _ => i + 1,
        };
        tokens.push(Token { text: c[start..i].iter().collect(), line });
    }
    tokens
}

/// Drops `#[cfg(test)]` items with their other attributes: unit tests may
/// reach upward to build fixtures. An item ends at its `;` or at the brace
/// closing its body (or before a closing bracket it did not open).
fn without_test_items(tokens: Vec<Token>) -> Vec<Token> {
    const CFG_TEST: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let (mut kept, mut i) = (Vec::with_capacity(tokens.len()), 0);
    while i < tokens.len() {
        if tokens.len() - i < CFG_TEST.len() || !tokens[i..].iter().zip(CFG_TEST).all(|(t, s)| t.text == s) {
            kept.push(tokens[i].clone());
            i += 1;
            continue;
        }
        let mut depth = 0;
        while let Some(token) = tokens.get(i) {
            match token.text.as_str() {
                ")" | "]" | "}" if depth == 0 => break,
                "(" | "[" | "{" => depth += 1,
                ")" | "]" => depth -= 1,
                "}" if depth == 1 => {
                    i += 1;
                    break;
                }
                "}" => depth -= 1,
                ";" if depth == 0 => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
    }
    kept
}

/// Blanks out comments (line, block, doc), string literals (plain, byte, raw)
/// and char literals, keeping line breaks: paths named in docs and messages
/// are not imports.
fn strip_comments_and_strings(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let at = |k: usize| c.get(k).copied().unwrap_or('\0');
    let (mut out, mut i) = (String::with_capacity(src.len()), 0);
    while i < c.len() {
        let after_ident = i > 0 && is_ident_char(c[i - 1]);
        let end = match (at(i), at(i + 1)) {
            ('/', '/') => (i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len()),
            ('/', '*') => block_comment_end(&c, i),
            ('"', _) => string_end(&c, i + 1),
            ('\'', '\\') => (i + 3..c.len()).find(|&k| c[k] == '\'').map_or(c.len(), |k| k + 1),
            // 'x' is a char; 'a without a closing quote two chars on is a lifetime.
            ('\'', next) if next != '\'' && at(i + 2) == '\'' => i + 3,
            ('r' | 'b' | 'c', _) if !after_ident => raw_string_end(&c, i).unwrap_or(i),
            _ => i,
        };
        if end == i {
            out.push(c[i]);
            i += 1;
        } else {
            out.extend(c[i..end].iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
            i = end;
        }
    }
    out
}

/// The end of the block comment opening at `start` (block comments nest).
fn block_comment_end(c: &[char], start: usize) -> usize {
    let (mut depth, mut i) = (0, start);
    while i + 1 < c.len() {
        match (c[i], c[i + 1]) {
            ('/', '*') => depth += 1,
            ('*', '/') if depth == 1 => return i + 2,
            ('*', '/') => depth -= 1,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    c.len()
}

/// The end of a string whose body starts at `from` (after the opening quote).
fn string_end(c: &[char], from: usize) -> usize {
    let mut i = from;
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    c.len()
}

/// The end of a raw string `r"…"`, `r#"…"#`, `br"…"`, `cr"…"` at `start`; None if there is none.
fn raw_string_end(c: &[char], start: usize) -> Option<usize> {
    let mut i = start + usize::from(c[start] == 'b' || c[start] == 'c');
    if c.get(i) != Some(&'r') {
        return None;
    }
    let hashes = c[i + 1..].iter().take_while(|&&ch| ch == '#').count();
    i += 1 + hashes;
    if c.get(i) != Some(&'"') {
        return None;
    }
    let closes =
        |k: usize| c[k] == '"' && c[k + 1..].iter().take(hashes).filter(|&&ch| ch == '#').count() == hashes;
    Some((i + 1..c.len()).find(|&k| closes(k)).map_or(c.len(), |k| k + 1 + hashes))
}
