//! A signed-in device as people recognise it ("Chrome · Android", "微信 · iPhone")
//! from the browser's User-Agent text, for the sessions list. Only the browser and the
//! system are read; versions and the rest are left out. Unknown text gives `None`
//! (the page then says "unknown device").

/// The browser and the system of a User-Agent, each when recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Device {
    pub browser: Option<&'static str>,
    pub system: Option<&'static str>,
}

/// Browsers by a mark in the text, the most specific first (Edge and the in-app
/// browsers also say Chrome and Safari).
const BROWSERS: [(&str, &str); 11] = [
    ("MicroMessenger", "微信"),
    ("DingTalk", "钉钉"),
    ("AlipayClient", "支付宝"),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Systems by a mark in the text; iPad before Mac (iPadOS may say Macintosh), Android
/// before Linux.
const SYSTEMS: [(&str, &str); 7] = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("HarmonyOS", "HarmonyOS"),
    ("Windows", "Windows"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
];

impl Device {
    /// Reads a User-Agent text.
    pub fn of(user_agent: &str) -> Device {
        let find = |table: &[(&str, &'static str)]| {
            table
                .iter()
                .find(|(mark, _)| user_agent.contains(mark))
                .map(|(_, name)| *name)
        };
        let mut browser = find(&BROWSERS);
        // Command-line tools and scripts are not browsers.
        if user_agent.starts_with("curl/") || user_agent.starts_with("python") {
            browser = None;
        }
        Device {
            browser,
            system: find(&SYSTEMS),
        }
    }

    /// "Chrome · Android", "Safari", "iPhone"; `None` when nothing was recognised.
    pub fn name(&self) -> Option<String> {
        match (self.browser, self.system) {
            (Some(b), Some(s)) => Some(format!("{b} · {s}")),
            (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_devices_are_named() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
                Some("Chrome · Android"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                Some("Safari · iPhone"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49",
                Some("微信 · iPhone"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0",
                Some("Edge · Windows"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                Some("Safari · Mac"),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
                Some("Firefox · Linux"),
            ),
            ("curl/8.5.0", None),
            ("", None),
            ("something else entirely", None),
        ];
        for (ua, want) in cases {
            assert_eq!(Device::of(ua).name().as_deref(), want, "{ua}");
        }
    }
}
