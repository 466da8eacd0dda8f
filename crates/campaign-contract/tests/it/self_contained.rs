//! The repository is self-contained: what a cloner reads opens. Every relative link in
//! `README.md` and `docs/*.md` resolves to a file in the repository, every page of `docs/` is
//! linked from the README, and no committed text file names a path outside the repository
//! (a sibling checkout, a local copy of the vendor pages, one machine's home or work folder):
//! vendor pages are cited by title and public address instead.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `README.md` and every `docs/*.md`, relative to the root.
fn documentation() -> Vec<PathBuf> {
    let mut pages = vec![PathBuf::from("README.md")];
    let docs = root().join("docs");
    let entries = std::fs::read_dir(&docs)
        .unwrap_or_else(|e| panic!("{}: {e} (the documentation lives there)", docs.display()));
    for entry in entries {
        let path = entry.expect("a docs/ entry").path();
        if path.extension().is_some_and(|x| x == "md") {
            let name = path.file_name().expect("a file name");
            pages.push(Path::new("docs").join(name));
        }
    }
    pages.sort();
    pages
}

/// Markdown text with fenced code blocks and inline code spans blanked out: a link shown as
/// code is not a link.
fn prose(markdown: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if fenced {
            out.push('\n');
            continue;
        }
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
            }
            out.push(if in_code || c == '`' { ' ' } else { c });
        }
        out.push('\n');
    }
    out
}

/// The targets of inline links (`[text](target)`, images too) and of reference definitions
/// (`[label]: target`), as written.
fn link_targets(markdown: &str) -> Vec<String> {
    let text = prose(markdown);
    let mut targets = Vec::new();
    for (i, _) in text.match_indices("](") {
        let rest = &text[i + 2..];
        if let Some(end) = rest.find(')') {
            targets.push(rest[..end].to_string());
        }
    }
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('[')
            && let Some(close) = line.find(']')
            && let Some(target) = line[close + 1..].strip_prefix(':')
        {
            targets.push(target.to_string());
        }
    }
    targets
        .into_iter()
        .map(|t| {
            // `<target>` and a trailing `"title"` are markdown, not part of the path.
            let t = t.trim();
            match t.strip_prefix('<').and_then(|t| t.split_once('>')) {
                Some((inside, _)) => inside.to_string(),
                None => t.split_whitespace().next().unwrap_or_default().to_string(),
            }
        })
        .filter(|t| !t.is_empty())
        .collect()
}

/// True for a link that leaves the repository on purpose: a URL (`https:`, `mailto:`) or an
/// anchor in the same page.
fn is_external(target: &str) -> bool {
    let scheme = target.split_once(':').map(|(scheme, _)| scheme);
    target.starts_with('#')
        || scheme.is_some_and(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        })
}

/// `path` with `.` and `..` resolved, without touching the file system; `None` when it climbs
/// above the root.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(p) => out.push(p),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// Every relative link of `page` that does not resolve to a file or folder in the repository,
/// as `page: target (why)`.
fn broken_links(page: &Path, markdown: &str) -> Vec<String> {
    let folder = page.parent().unwrap_or(Path::new(""));
    let mut broken = Vec::new();
    for target in link_targets(markdown) {
        if is_external(&target) {
            continue;
        }
        let path = target.split('#').next().unwrap_or_default();
        let why = match normalise(&folder.join(path)) {
            None => Some("leaves the repository"),
            Some(p) if p.starts_with("target") || p.starts_with(".git") => {
                Some("points into build output or git's own files")
            }
            Some(p) if !root().join(&p).exists() => Some("no such file"),
            Some(_) => None,
        };
        if let Some(why) = why {
            broken.push(format!("{}: {target} ({why})", page.display()));
        }
    }
    broken
}

#[test]
fn every_relative_link_in_the_readme_and_docs_resolves_to_a_file_in_the_repository() {
    // Arrange
    let pages = documentation();

    // Act
    let broken: Vec<String> = pages
        .iter()
        .flat_map(|page| {
            let text = std::fs::read_to_string(root().join(page))
                .unwrap_or_else(|e| panic!("{}: {e}", page.display()));
            broken_links(page, &text)
        })
        .collect();

    // Assert
    assert!(pages.len() > 1, "no docs/*.md pages: {pages:?}");
    assert!(
        broken.is_empty(),
        "links that do not open:\n{}",
        broken.join("\n")
    );
}

#[test]
fn every_docs_page_is_linked_from_the_readme() {
    // Arrange
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let linked: Vec<PathBuf> = link_targets(&readme)
        .iter()
        .filter(|t| !is_external(t))
        .filter_map(|t| normalise(Path::new(t.split('#').next().unwrap_or_default())))
        .collect();

    // Act
    let unlinked: Vec<PathBuf> = documentation()
        .into_iter()
        .filter(|p| p.starts_with("docs") && !linked.contains(p))
        .collect();

    // Assert
    assert!(
        unlinked.is_empty(),
        "docs/ pages the README does not link: {unlinked:?}"
    );
}

#[test]
fn the_link_finder_sees_links_and_skips_code() {
    let md = "[a](docs/a.md) `[b](no.md)` [c](https://x.example/y) [d](#here)\n\
              ```\n[e](code.md)\n```\n[f]: ../f.md \"title\"\n![g](<img g.png>)\n";
    assert_eq!(
        link_targets(md),
        [
            "docs/a.md",
            "https://x.example/y",
            "#here",
            "img g.png",
            "../f.md"
        ]
    );
    assert!(is_external("https://x.example/y") && is_external("#here"));
    assert!(!is_external("docs/a.md") && !is_external("../f.md"));
    assert_eq!(
        broken_links(
            Path::new("docs/x.md"),
            "[up](../../outside.md) [readme](../README.md) [no](nope.md)"
        ),
        [
            "docs/x.md: ../../outside.md (leaves the repository)",
            "docs/x.md: nope.md (no such file)",
        ]
    );
}

/// Strings that name a place outside the repository. Built from parts so that this file does
/// not name them itself.
fn outside_names() -> Vec<String> {
    vec![
        // A sibling checkout's shared folder, and the local copies of the vendor pages.
        ["..", "/shared"].concat(),
        ["vendor", "-docs/"].concat(),
        ["beyond", "-the-copies"].concat(),
    ]
}

/// Absolute folders of one machine: its work tree and home folders. A hit counts where an
/// absolute path starts (after a space, a quote, `=` or `(`), not inside a relative one
/// (`$dir/work/…`). Built from parts, as above.
fn machine_folders() -> Vec<String> {
    ["work/", "home/", "root/", "Users/"]
        .iter()
        .map(|s| ["/", s].concat())
        .collect()
}

/// Absolute paths that are not this machine's: the container image's own user.
fn inside_the_image() -> Vec<String> {
    vec![["/", "home/nonroot"].concat()]
}

/// Every place in `text` that names a path outside the repository, as `line: excerpt`.
fn outside_paths(text: &str) -> Vec<String> {
    let names = outside_names();
    let folders = machine_folders();
    let allowed = inside_the_image();
    let mut hits = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let named = names.iter().any(|name| line.contains(name.as_str()));
        let absolute = folders.iter().any(|folder| {
            line.match_indices(folder.as_str()).any(|(i, _)| {
                let starts_a_path = line[..i]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !(c.is_alphanumeric() || "_.$}-/~)".contains(c)));
                starts_a_path && !allowed.iter().any(|a| line[i..].starts_with(a.as_str()))
            })
        });
        if named || absolute {
            let excerpt: String = line.trim().chars().take(160).collect();
            hits.push(format!("{}: {excerpt}", n + 1));
        }
    }
    hits
}

/// The committed files, relative to the root: `git ls-files`, or, outside a git checkout (a
/// source archive), every file but `target/` and `.git/`.
fn committed_files() -> Vec<PathBuf> {
    let listed = Command::new("git")
        .arg("-C")
        .arg(root())
        .args(["ls-files", "-z"])
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty());
    if let Some(out) = listed {
        return out
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect();
    }
    let mut files = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        let entries = std::fs::read_dir(root().join(&folder)).expect("a readable folder");
        for entry in entries {
            let entry = entry.expect("a folder entry");
            let relative = folder.join(entry.file_name());
            let kind = entry.file_type().expect("a file type");
            if kind.is_dir() {
                if relative != Path::new("target") && relative != Path::new(".git") {
                    folders.push(relative);
                }
            } else if kind.is_file() {
                files.push(relative);
            }
        }
    }
    files
}

#[test]
fn no_committed_text_file_names_a_path_outside_the_repository() {
    // Arrange
    let files = committed_files();

    // Act: every text file (binary ones hold NUL bytes or are not UTF-8).
    let mut hits = Vec::new();
    for file in &files {
        let Ok(bytes) = std::fs::read(root().join(file)) else {
            continue; // listed by git but deleted in the work tree
        };
        if bytes.contains(&0) {
            continue;
        }
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        for hit in outside_paths(&text) {
            hits.push(format!("{}:{hit}", file.display()));
        }
    }

    // Assert
    assert!(files.len() > 50, "too few files found: {}", files.len());
    assert!(
        hits.is_empty(),
        "committed files name paths outside the repository (cite a vendor page by title and \
         public address, or use a path in the repository):\n{}",
        hits.join("\n")
    );
}

#[test]
fn the_path_finder_tells_outside_paths_from_inside_ones() {
    let [work, home, ..] = &machine_folders()[..] else {
        panic!("folders")
    };
    let shared = ["see ..", "/shared/x"].concat();
    assert_eq!(outside_paths(&shared).len(), 1);
    assert_eq!(outside_paths(&format!("cd {work}main && make")).len(), 1);
    assert_eq!(outside_paths(&format!("HOME={home}alice")).len(), 1);
    let relative = format!("\"$d{work}scenarios\" $OUT/cases/a{work}x");
    assert_eq!(outside_paths(&relative).len(), 0);
    assert_eq!(outside_paths(&format!("--home-dir {home}nonroot")).len(), 0);
    assert_eq!(outside_paths("~/.local/state/campaign-harness").len(), 0);
}
