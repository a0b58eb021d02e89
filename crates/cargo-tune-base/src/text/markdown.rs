//! Markdown for GitHub: the one escape for a table cell.

/// `text` made safe for one cell of a Markdown table: a `|` would end the cell and a line break
/// the row; `<` and `>` would be read as HTML by GitHub.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", " ")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One row of a Markdown table, every cell escaped.
pub fn row<S: AsRef<str>>(cells: &[S]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| cell(c.as_ref())).collect();
    format!("| {} |", cells.join(" | "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pipes_breaks_and_markup_stay_inside_the_cell() {
        assert_eq!(super::cell("a|b\nc <d>"), "a\\|b c &lt;d&gt;");
        assert_eq!(super::row(&["x", "a|b"]), "| x | a\\|b |");
    }
}
