"""Stable codes of contract §2."""

CATEGORIES = (
    "food-paper-packaging",
    "wire-cable",
    "explosion-proof-electrical",
    "grinding-wheel",
    "hazardous-chemical",
    "hazchem-packaging",
)
CATEGORY_LABELS = {
    "food-paper-packaging": "食品用纸包装",
    "wire-cable": "电线电缆",
    "explosion-proof-electrical": "防爆电气",
    "grinding-wheel": "砂轮",
    "hazardous-chemical": "危险化学品",
    "hazchem-packaging": "危险化学品包装物、容器",
}
DOMAINS = ("production", "distribution", "use")
KINDS = ("boolean", "choice", "number", "text", "quicktest")
