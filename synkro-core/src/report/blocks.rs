//! Report text as blocks (paragraphs, lists, headings, tables) of fragments, rendered as Markdown
//! or as HTML from one model: both formats show the same numbers, each formatted once (durations
//! by [`human`](crate::analytics::human), shares by [`pct`](crate::analytics::pct)), and each
//! format escapes names from outside its own way.

use std::fmt::Write as _;

use crate::report::{escape_html, escape_markdown};

/// A piece of a line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Frag {
    /// The report's own text (labels, numbers): written as is in Markdown.
    Text(String),
    /// A name from outside (manager, funnel, stage, loss reason): escaped in every format.
    Name(String),
    /// An identifier shown as code (`dq.*` ids).
    Code(String),
}

/// A line: fragments written one after another.
pub(crate) type Line = Vec<Frag>;

/// The report's own text as a line.
pub(crate) fn text(s: impl Into<String>) -> Line {
    vec![Frag::Text(s.into())]
}

/// A name from outside as a line.
pub(crate) fn name(s: &str) -> Line {
    vec![Frag::Name(s.to_owned())]
}

/// A block of the report.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A paragraph.
    Para(Line),
    /// A bulleted list.
    List(Vec<Line>),
    /// A sub-heading (Markdown `###`, HTML `<h3>`).
    Heading(Line),
    /// A table: the first column left-aligned, the others right-aligned.
    Table {
        /// Column headers.
        header: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<Line>>,
    },
}

fn line_markdown(line: &[Frag]) -> String {
    line.iter()
        .map(|f| match f {
            Frag::Text(s) => s.clone(),
            Frag::Name(s) => escape_markdown(s),
            Frag::Code(s) => format!("`{s}`"),
        })
        .collect()
}

fn line_html(line: &[Frag]) -> String {
    line.iter()
        .map(|f| match f {
            Frag::Text(s) => escape_html(s),
            // Line breaks become spaces, as in Markdown.
            Frag::Name(s) => escape_html(&s.replace(['\n', '\r'], " ")),
            Frag::Code(s) => format!("<code>{}</code>", escape_html(s)),
        })
        .collect()
}

/// The blocks as Markdown, each followed by a blank line.
pub(crate) fn blocks_markdown(md: &mut String, blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Para(l) => {
                let _ = writeln!(md, "{}", line_markdown(l));
            }
            Block::List(items) => {
                for l in items {
                    let _ = writeln!(md, "- {}", line_markdown(l));
                }
            }
            Block::Heading(l) => {
                let _ = writeln!(md, "### {}", line_markdown(l));
            }
            Block::Table { header, rows } => {
                md.push('|');
                for h in header {
                    if h.is_empty() {
                        md.push_str(" |");
                    } else {
                        let _ = write!(md, " {h} |");
                    }
                }
                md.push('\n');
                md.push_str("|---|");
                md.push_str(&"---:|".repeat(header.len().saturating_sub(1)));
                md.push('\n');
                for r in rows {
                    md.push('|');
                    for c in r {
                        let _ = write!(md, " {} |", line_markdown(c));
                    }
                    md.push('\n');
                }
            }
        }
        md.push('\n');
    }
}

/// The blocks as HTML; every text escaped with [`escape_html`].
pub(crate) fn blocks_html(h: &mut String, blocks: &[Block]) {
    for b in blocks {
        match b {
            Block::Para(l) => {
                let _ = write!(h, "<p>{}</p>", line_html(l));
            }
            Block::List(items) => {
                h.push_str("<ul>");
                for l in items {
                    let _ = write!(h, "<li>{}</li>", line_html(l));
                }
                h.push_str("</ul>");
            }
            Block::Heading(l) => {
                let _ = write!(h, "<h3>{}</h3>", line_html(l));
            }
            Block::Table { header, rows } => {
                h.push_str("<div class=\"wrap\"><table><tr>");
                for c in header {
                    let _ = write!(h, "<th>{}</th>", escape_html(c));
                }
                h.push_str("</tr>");
                for r in rows {
                    h.push_str("<tr>");
                    for c in r {
                        let _ = write!(h, "<td>{}</td>", line_html(c));
                    }
                    h.push_str("</tr>");
                }
                h.push_str("</table></div>");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_model_two_formats() {
        let blocks = vec![
            Block::Heading(vec![
                Frag::Text("Funnel ".into()),
                Frag::Name("<a|b>\nc".into()),
            ]),
            Block::Table {
                header: vec!["Step".into(), "Rate".into()],
                rows: vec![vec![name("x|y"), text("50.0 %")]],
            },
            Block::List(vec![vec![
                Frag::Code("dq.x".into()),
                Frag::Text(": 1 of 2".into()),
            ]]),
        ];
        let mut md = String::new();
        blocks_markdown(&mut md, &blocks);
        assert_eq!(
            md,
            "### Funnel \\<a\\|b\\> c\n\n| Step | Rate |\n|---|---:|\n| x\\|y | 50.0 % |\n\n- `dq.x`: 1 of 2\n\n"
        );
        let mut h = String::new();
        blocks_html(&mut h, &blocks);
        assert_eq!(
            h,
            "<h3>Funnel &lt;a|b&gt; c</h3><div class=\"wrap\"><table><tr><th>Step</th><th>Rate</th></tr>\
             <tr><td>x|y</td><td>50.0 %</td></tr></table></div><ul><li><code>dq.x</code>: 1 of 2</li></ul>"
        );
    }
}
