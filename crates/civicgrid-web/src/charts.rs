//! Charts drawn on the server as SVG (no script, readable on a phone, printable): a
//! horizontal bar chart and a line chart of series over periods. Labels are escaped;
//! every value is written beside its bar or point, so the numbers are there to read
//! as well as the shape.

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart: one labelled bar per item, scaled to the largest.
pub(crate) fn bar_chart(title: &str, items: &[(String, i64)]) -> String {
    const W: i64 = 360;
    const LABEL: i64 = 120;
    const ROW: i64 = 26;
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let h = ROW * items.len() as i64 + 8;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {h}\" role=\"img\" aria-label=\"{}\" \
         xmlns=\"http://www.w3.org/2000/svg\">",
        escape(title)
    );
    for (i, (label, n)) in items.iter().enumerate() {
        let y = ROW * i as i64 + 4;
        let bar = (W - LABEL - 60) * n.max(&0) / max;
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{bar}\" height=\"{}\" fill=\"#3b82f6\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"13\">{n}</text>",
            LABEL - 6,
            y + 15,
            escape(label),
            ROW - 8,
            LABEL + bar + 6,
            y + 15,
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Colours of a line chart's series, in order.
const SERIES_COLOURS: [&str; 4] = ["#3b82f6", "#16a34a", "#dc2626", "#9333ea"];

/// A line chart of `series` (name, one value per label) over `labels` (periods),
/// scaled to the largest value, with a legend and each value written at its point.
pub(crate) fn line_chart(title: &str, labels: &[String], series: &[(String, Vec<i64>)]) -> String {
    const W: i64 = 360;
    const H: i64 = 240;
    const LEFT: i64 = 16;
    const RIGHT: i64 = 16;
    const TOP: i64 = 34;
    const BOTTOM: i64 = 28;
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let n = labels.len().max(1) as i64;
    let step = if n > 1 {
        (W - LEFT - RIGHT) / (n - 1)
    } else {
        0
    };
    let x = |i: usize| LEFT + step * i as i64 + if n == 1 { (W - LEFT - RIGHT) / 2 } else { 0 };
    let y = |v: i64| TOP + (H - TOP - BOTTOM) * (max - v.clamp(0, max)) / max;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\" \
         xmlns=\"http://www.w3.org/2000/svg\">\
         <line x1=\"{LEFT}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#ccc\"/>",
        escape(title),
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM,
    );
    let mut legend_x = LEFT;
    for (k, (name, values)) in series.iter().enumerate() {
        let colour = SERIES_COLOURS[k % SERIES_COLOURS.len()];
        svg.push_str(&format!(
            "<rect x=\"{legend_x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"17\" font-size=\"14\">{}</text>",
            legend_x + 16,
            escape(name)
        ));
        legend_x += 30 + 14 * name.chars().count() as i64;
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{},{}", x(i), y(*v)))
            .collect();
        svg.push_str(&format!(
            "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            points.join(" ")
        ));
        for (i, v) in values.iter().enumerate() {
            svg.push_str(&format!(
                "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{colour}\"/>\
                 <text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\">{v}</text>",
                x(i),
                y(*v),
                x(i),
                y(*v) - 6,
            ));
        }
    }
    for (i, label) in labels.iter().enumerate() {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\">{}</text>",
            x(i),
            H - 8,
            escape(label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_charts_escape_labels_and_scale() {
        let svg = bar_chart("a<b", &[("<x>".into(), 10), ("y".into(), 5)]);
        assert!(svg.contains("a&lt;b") && svg.contains("&lt;x&gt;"));
        assert!(svg.contains("width=\"180\"") && svg.contains("width=\"90\""));
        assert!(bar_chart("e", &[]).starts_with("<svg"));
    }

    #[test]
    fn line_charts_draw_each_series_with_its_values() {
        let labels: Vec<String> = ["10月", "11月", "12月"].map(String::from).to_vec();
        let svg = line_chart(
            "诉求 & 办结",
            &labels,
            &[
                ("新增".into(), vec![4, 8, 6]),
                ("办结".into(), vec![2, 5, 7]),
            ],
        );
        assert!(svg.contains("诉求 &amp; 办结"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 6);
        // The largest value sits at the top of the plot, a zero on the axis.
        assert!(svg.contains("cy=\"34\""));
        let flat = line_chart("空", &labels[..1], &[("x".into(), vec![0])]);
        assert!(flat.contains("cy=\"212\""));
    }
}
