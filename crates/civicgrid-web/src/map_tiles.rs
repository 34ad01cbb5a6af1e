//! An optional base map under the public map: tiles from a source the operator
//! configures (e.g. 天地图 with its key). Without one, the map stays the server-drawn
//! SVG and nothing is fetched from elsewhere.

/// A tile source: a URL template with `{z}`, `{x}` and `{y}` (and `{s}` for the
/// subdomains tiles are spread over), and the attribution its terms require.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapTiles {
    pub url: String,
    pub attribution: String,
    /// The letters or digits `{s}` stands for (`01234567` for 天地图's t0–t7).
    pub subdomains: String,
}

impl MapTiles {
    /// A checked source: an http(s) URL holding `{z}`, `{x}` and `{y}`, with a host.
    pub fn new(url: &str, attribution: &str, subdomains: &str) -> Result<MapTiles, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or_else(|| format!("the map tile URL must start with https:// (got {url:?})"))?;
        for part in ["{z}", "{x}", "{y}"] {
            if !url.contains(part) {
                return Err(format!("the map tile URL has no {part}: {url:?}"));
            }
        }
        let host = rest.split('/').next().unwrap_or_default();
        if host.is_empty() || host.contains(['"', ';', ' ', '\'']) {
            return Err(format!("the map tile URL has no usable host: {url:?}"));
        }
        if url.contains("{s}") && subdomains.trim().is_empty() {
            return Err("the map tile URL has {s} but no subdomains are given".to_owned());
        }
        Ok(MapTiles {
            url: url.to_owned(),
            attribution: attribution.trim().to_owned(),
            subdomains: subdomains.trim().to_owned(),
        })
    }

    /// Where tiles come from, as a Content-Security-Policy source: the scheme and
    /// host, the host's first label a wildcard when it varies (`t{s}.tianditu.gov.cn`
    /// → `https://*.tianditu.gov.cn`).
    pub fn csp_source(&self) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("https", &self.url));
        let host = rest.split('/').next().unwrap_or_default();
        let host = match host.split_once('.') {
            Some((first, parent)) if first.contains('{') => format!("*.{parent}"),
            _ => host.to_owned(),
        };
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIANDITU: &str =
        "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY";

    #[test]
    fn a_tianditu_source_is_allowed_from_its_hosts_only() {
        let t = MapTiles::new(TIANDITU, "天地图", "01234567").unwrap();
        assert_eq!(t.csp_source(), "https://*.tianditu.gov.cn");
        let plain = MapTiles::new("https://tiles.example.org/{z}/{x}/{y}.png", "", "").unwrap();
        assert_eq!(plain.csp_source(), "https://tiles.example.org");
    }

    #[test]
    fn a_broken_source_is_refused_with_the_reason() {
        for (url, subs, why) in [
            ("ftp://x.org/{z}/{x}/{y}", "", "https://"),
            ("https://x.org/{z}/{x}", "", "{y}"),
            ("https:///{z}/{x}/{y}", "", "host"),
            ("https://x.org; script-src *'/{z}/{x}/{y}", "", "host"),
            (TIANDITU, "", "subdomains"),
        ] {
            let e = MapTiles::new(url, "", subs).unwrap_err();
            assert!(e.contains(why), "{url}: {e}");
        }
    }
}
