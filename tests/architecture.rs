//! The layout holds: no import cycle between the modules of `src/`, and
//! no source file over 600 lines. Read from the source text, so it fails
//! on the commit that breaks it, whoever wrote it.
//!
//! A module is a file (`mod.rs` is its folder's module). An edge is a
//! `crate::…` or `super::…` path in code; `mod` declarations and `pub use`
//! re-exports are not (a parent naming its children is not a dependency),
//! nor are test files (`tests.rs`, `tests/`), which may reach anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/wizard/machine/mod.rs` is the module `wizard::machine`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut segs: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if segs
        .last()
        .is_some_and(|s| s == "mod" || s == "lib" || s == "main")
    {
        segs.pop();
    }
    segs
}

fn is_test_file(m: &[String]) -> bool {
    m.iter().any(|s| s == "tests")
}

/// The paths a line of code names, as module segments from the crate root.
fn paths_in(line: &str, here: &[String], is_dir_module: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (start, base) in [("crate::", None), ("super::", Some(()))] {
        let mut rest = line;
        while let Some(i) = rest.find(start) {
            let before = rest[..i].chars().last();
            rest = &rest[i + start.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut root: Vec<String> = if base.is_some() {
                // `super` of a file is its folder's module; of a mod.rs, the parent's.
                let mut r = here.to_vec();
                r.pop();
                if is_dir_module {
                    r.pop();
                }
                r
            } else {
                Vec::new()
            };
            let mut s = rest;
            // Further `super::` hops.
            while let Some(t) = s.strip_prefix("super::") {
                root.pop();
                s = t;
            }
            let mut segs = root.clone();
            loop {
                if let Some(group) = s.strip_prefix('{') {
                    let close = group.find('}').unwrap_or(group.len());
                    for item in group[..close].split(',') {
                        let name: String = item
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !name.is_empty() && name != "self" {
                            let mut p = segs.clone();
                            p.push(name);
                            out.push(p);
                        }
                    }
                    break;
                }
                let end = s
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(s.len());
                if end == 0 {
                    break;
                }
                segs.push(s[..end].to_string());
                s = &s[end..];
                if let Some(t) = s.strip_prefix("::") {
                    s = t;
                } else {
                    break;
                }
            }
            out.push(segs);
        }
    }
    out
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let modules: BTreeSet<Vec<String>> = all.iter().map(|f| module_of(&src, f)).collect();
    let mut g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for f in &all {
        let here = module_of(&src, f);
        if is_test_file(&here) {
            continue;
        }
        let dir_module = f.file_name().is_some_and(|n| n == "mod.rs");
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let mut in_tests = false;
        for line in text.lines() {
            let t = line.trim_start();
            if t.starts_with("#[cfg(test)]") {
                in_tests = true;
            }
            if in_tests || t.starts_with("//") || t.starts_with("pub use") || t.starts_with("mod ")
            {
                continue;
            }
            for p in paths_in(line, &here, dir_module) {
                // The longest prefix that is a module.
                let target = (1..=p.len())
                    .rev()
                    .map(|n| p[..n].to_vec())
                    .find(|m| modules.contains(m));
                if let Some(m) = target
                    && m != here
                    && !is_test_file(&m)
                    // A child using its own ancestor's items is the tree, not a cycle.
                    && !here.starts_with(&m)
                {
                    g.entry(here.clone()).or_default().insert(m);
                }
            }
        }
        g.entry(here).or_default();
    }
    g
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on: BTreeSet<&'a Vec<String>>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Vec<String>) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let Some((w, _)) = g.get_key_value(w) else {
                continue;
            };
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.join("::"));
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_import_cycle_between_modules() {
    let g = graph();
    assert!(
        g.len() > 20,
        "the module graph was read: {} modules",
        g.len()
    );
    let found = cycles(&g);
    let explain: Vec<String> = found
        .iter()
        .map(|c| {
            let edges: Vec<String> = c
                .iter()
                .flat_map(|m| {
                    let key: Vec<String> = m.split("::").map(str::to_string).collect();
                    g.get(&key)
                        .into_iter()
                        .flatten()
                        .filter(|t| c.contains(&t.join("::")))
                        .map(move |t| format!("{m} → {}", t.join("::")))
                })
                .collect();
            format!("{{{}}}: {}", c.join(", "), edges.join("; "))
        })
        .collect();
    assert!(found.is_empty(), "import cycles:\n{}", explain.join("\n"));
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    let mut g = BTreeMap::new();
    g.insert(m("a"), BTreeSet::from([m("b")]));
    g.insert(m("b"), BTreeSet::from([m("c")]));
    g.insert(m("c"), BTreeSet::from([m("a")]));
    g.insert(m("d"), BTreeSet::from([m("a")]));
    assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    assert_eq!(
        paths_in(
            "use super::{effect::Effect, Wizard};",
            &m("wizard::machine::steps"),
            false
        ),
        vec![
            m("wizard::machine::effect"),
            m("wizard::machine::Wizard"),
            m("wizard::machine")
        ]
    );
}

#[test]
fn no_source_file_over_600_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut long: Vec<String> = all
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).ok()?.lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    long.sort();
    assert!(long.is_empty(), "split these files: {long:?}");
}
