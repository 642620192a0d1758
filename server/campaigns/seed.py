"""The seed plan's campaign (contract §8): 揭阳市 2019 重点工业产品质量安全专项整治, as data."""
from __future__ import annotations

JIEYANG_2019 = {
    "code": "jieyang-2019",
    "title": "揭阳市2019年重点工业产品质量安全专项整治行动",
    "jurisdiction": "445200",
    "product_categories": [
        "food-paper-packaging", "wire-cable", "explosion-proof-electrical",
        "grinding-wheel", "hazardous-chemical", "hazchem-packaging",
    ],
    "phases": [
        {"code": "preparation", "title": "动员部署和摸底排查", "starts": "2019-05-01", "ends": "2019-06-30"},
        {"code": "self-inspection", "title": "企业自查自纠", "starts": "2019-07-01", "ends": "2019-08-31"},
        {"code": "inspection-enforcement", "title": "监督检查和执法", "starts": "2019-09-01", "ends": "2019-10-31"},
    ],
    "deadlines": [
        {"code": "register-report", "title": "摸底排查情况上报", "due": "2019-06-30"},
        {"code": "self-inspection-report", "title": "企业自查报告汇总上报", "due": "2019-08-25"},
        {"code": "summary-report", "title": "专项整治工作总结及统计报表上报", "due": "2019-10-20"},
    ],
}
