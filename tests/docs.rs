//! The book under `docs/` stays true: generated pages are current, every
//! internal link and anchor resolves, SUMMARY.md lists exactly the pages
//! there are, and the step-kind table agrees with the runbook loader.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};

use baton::config::Config;
use baton::diag::{Located, from_toml};
use baton::docs_gen::{self, STEP_KINDS};
use baton::wizard::runbook;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn src_dir() -> PathBuf {
    root().join("docs/src")
}

#[test]
fn generated_pages_are_current() {
    let update = std::env::var_os("BATON_UPDATE_DOCS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (path, text) in docs_gen::pages() {
        let file = src_dir().join(path);
        if update {
            std::fs::create_dir_all(file.parent().expect("a folder")).expect("create folder");
            std::fs::write(&file, &text).expect("write page");
            continue;
        }
        if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            stale.push(path);
        }
    }
    assert!(
        stale.is_empty(),
        "generated pages differ from the code: {stale:?} under docs/src/; regenerate them with \
         `BATON_UPDATE_DOCS=1 cargo test --test docs` and commit the result"
    );
}

/// Every Markdown file the book's links may live in.
fn markdown_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read docs folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&src_dir(), &mut out);
    out.sort();
    out
}

/// The text outside fenced code blocks and inline code spans, where a
/// `](` is a link and a `#` line a heading.
fn prose(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in src.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            out.push(String::new());
            continue;
        }
        let mut kept = String::new();
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
                // A code span in a heading still gives its text to the slug.
                continue;
            }
            if !in_code || line.starts_with('#') {
                kept.push(c);
            }
        }
        out.push(kept);
    }
    out
}

/// GitHub's and mdBook's anchor for a heading: lowercase, spaces to `-`,
/// punctuation other than `-` and `_` dropped; repeats get `-1`, `-2`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// A heading's text with its links reduced to their text.
fn heading_text(line: &str) -> String {
    let text = line.trim_start_matches('#');
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(mid) = rest[open..].find("](") else {
            break;
        };
        let Some(close) = rest[open + mid..].find(')') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..open + mid]);
        rest = &rest[open + mid + close + 1..];
    }
    out.push_str(rest);
    out
}

fn anchors(file: &Path) -> BTreeSet<String> {
    let src = std::fs::read_to_string(file).unwrap_or_default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = BTreeSet::new();
    for line in prose(&src) {
        if !line.starts_with('#') {
            continue;
        }
        let base = slug(&heading_text(&line));
        let n = seen.entry(base.clone()).or_insert(0);
        out.insert(if *n == 0 {
            base.clone()
        } else {
            format!("{base}-{n}")
        });
        *n += 1;
    }
    out
}

/// Link targets in a Markdown file: `[text](target)`.
fn links(src: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in prose(src).iter().enumerate() {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = after[..end].split_whitespace().next().unwrap_or("");
            out.push((i + 1, target.to_string()));
            rest = &after[end..];
        }
    }
    out
}

/// `a/b/../c` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[test]
fn internal_links_and_anchors_resolve() {
    let mut files = markdown_files();
    files.push(root().join("README.md"));
    files.push(root().join("ARCHITECTURE.md"));
    let mut broken = Vec::new();
    for file in &files {
        let src = std::fs::read_to_string(file).expect("read markdown");
        for (line, target) in links(&src) {
            if target.contains("://") || target.starts_with("mailto:") || target.is_empty() {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((target.as_str(), ""));
            let dest = if path.is_empty() {
                file.clone()
            } else {
                normalize(&file.parent().expect("a folder").join(path))
            };
            let shown = format!(
                "{}:{line}: `{target}`",
                file.strip_prefix(root()).unwrap_or(file).display()
            );
            if !dest.exists() {
                broken.push(format!("{shown}: no file {}", dest.display()));
                continue;
            }
            if !anchor.is_empty() && dest.extension().is_some_and(|x| x == "md") {
                let known = anchors(&dest);
                if !known.contains(anchor) {
                    broken.push(format!(
                        "{shown}: no heading `#{anchor}` (headings: {known:?})"
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn summary_lists_every_page_and_only_pages_that_exist() {
    let summary = src_dir().join("SUMMARY.md");
    let src = std::fs::read_to_string(&summary).expect("docs/src/SUMMARY.md");
    let listed: BTreeSet<PathBuf> = links(&src)
        .into_iter()
        .filter(|(_, t)| !t.is_empty() && !t.contains("://"))
        .map(|(_, t)| src_dir().join(t.split('#').next().unwrap_or("")))
        .collect();
    let missing: Vec<_> = listed.iter().filter(|p| !p.exists()).collect();
    assert!(
        missing.is_empty(),
        "SUMMARY.md lists pages that do not exist: {missing:?}"
    );
    let unlisted: Vec<_> = markdown_files()
        .into_iter()
        .filter(|p| *p != summary && !listed.contains(p))
        .collect();
    assert!(unlisted.is_empty(), "pages not in SUMMARY.md: {unlisted:?}");
    assert!(root().join("docs/book.toml").is_file(), "docs/book.toml");
}

fn step_runbook(applies_to: &str, step: &str) -> String {
    format!(
        "id = \"docs-example\"\ntitle = \"Docs example\"\napplies_to = \"{applies_to}\"\n[[phase]]\nid = \"one\"\n{step}"
    )
}

/// The error serde gives for a wrong name lists the right ones.
fn expected_names(message: &str) -> BTreeSet<String> {
    let after = message.split("expected").nth(1).unwrap_or("");
    let list = after
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches(" one of");
    list.split(',')
        .flat_map(|s| s.split(" or "))
        .map(|s| s.trim().trim_matches('`').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn step_kind_table_agrees_with_the_runbook_loader() {
    let path = Path::new("docs-example.toml");
    let config = Config::default();
    let templates = baton::config::templates::load_all(&config, None).0;
    let step = "[[phase.step]]\nid = \"a\"\ntitle = \"t\"\n";
    // Every kind the loader knows is documented, and no other.
    let err = from_toml::<runbook::Runbook>(
        path,
        &step_runbook("pair", &format!("{step}kind = \"no-such-kind\"\n")),
    )
    .expect_err("an unknown kind is refused");
    let kinds = expected_names(&err.message);
    let documented: BTreeSet<String> = STEP_KINDS.iter().map(|k| k.kind.to_string()).collect();
    assert_eq!(kinds, documented, "step kinds: {}", err.message);
    // Every documented key is a step key.
    let err = from_toml::<runbook::Runbook>(
        path,
        &step_runbook(
            "pair",
            &format!("{step}kind = \"check\"\nno_such_key = 1\n"),
        ),
    )
    .expect_err("an unknown key is refused");
    let keys = expected_names(&err.message);
    for k in STEP_KINDS {
        for (key, _) in k.keys {
            assert!(
                keys.contains(*key),
                "`{key}` of `{}` is not a step key: {}",
                k.kind,
                err.message
            );
        }
    }
    // Every example loads and passes `baton check`'s runbook checks.
    for k in STEP_KINDS {
        let src = step_runbook(
            k.applies_to,
            &format!(
                "[[phase.step]]\nid = \"x\"\nkind = \"{}\"\ntitle = \"t\"\n{}",
                k.kind, k.example
            ),
        );
        let rb = from_toml::<runbook::Runbook>(path, &src)
            .unwrap_or_else(|e| panic!("the `{}` example does not load: {e}\n{src}", k.kind));
        let errors = runbook::check::check(
            &rb,
            &config,
            &templates,
            &Located {
                file: path,
                src: &src,
            },
        );
        assert!(
            errors.is_empty(),
            "the `{}` example: {errors:?}\n{src}",
            k.kind
        );
    }
}

/// Words written in code spans of a page (`a`, `{ id, region }`).
fn code_words(src: &str) -> BTreeSet<String> {
    src.split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|span| {
            span.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn config_pages_name_every_config_key() {
    let pages: String = ["reference/config.md", "reference/sources.md"]
        .iter()
        .map(|p| std::fs::read_to_string(src_dir().join(p)).expect("config page"))
        .collect();
    let words = code_words(&pages);
    // Each table with a key serde does not know: its error lists the keys it does.
    let tables = [
        "zzz_unknown = 1",
        "[console]\nzzz_unknown = 1",
        "[thresholds]\nzzz_unknown = 1",
        "[limits]\nzzz_unknown = 1",
        "[[region]]\nzzz_unknown = 1",
        "[[source]]\nzzz_unknown = 1",
        "[[source]]\nname = \"a\"\nkind = \"fleet\"\nmap = { zzz_unknown = \"/x\" }",
        "[[pair]]\nzzz_unknown = 1",
        "[[pair]]\nid = \"a\"\nprimary = { zzz_unknown = 1 }",
        "[notify.x]\nzzz_unknown = 1",
        "[coordination]\nzzz_unknown = 1",
    ];
    let mut missing = Vec::new();
    for t in tables {
        let err = toml::from_str::<Config>(t).expect_err("an unknown key is refused");
        let keys = expected_names(&err.to_string());
        assert!(!keys.is_empty(), "no key list in: {err}");
        for k in keys {
            if !words.contains(&k) {
                missing.push(format!("{k} (from `{}`)", t.replace('\n', " ")));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "config keys not in docs/src/reference/config.md or sources.md: {missing:?}"
    );
}
