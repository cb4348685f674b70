"""Word pools for the demo district: plausible Chinese company names, people, addresses.

Pure data and small pure helpers (no Flask, no database); :mod:`orgbuild.demo` draws from them
with a seeded ``random.Random`` so that a given seed always builds the same district.
"""
from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
    "卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔"
    "向常汤康易乔赖文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国志红俊峰琳婷雪慧晨宇浩然思颖佳欣涵轩琪豪博怡东海燕春梅"

#: Two characters of a trade name (字号) are drawn from this pool.
TRADE_CHARS = "华鑫盛创达信恒泰联和通宏嘉新源丰瑞隆兴金宝富安康美东方远明德海天星辰智汇博誉中鹏港湾翠鼎腾越凯祥晟泓骏锦益荣旭卓晶菲润"

#: GB/T 4754-2017 section → words that go into a company name, and a weight for how common it is.
INDUSTRY_WORDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "C": (8, ("电子科技", "精密制造", "珠宝首饰", "服饰", "印刷")),
    "E": (5, ("建筑工程", "装饰工程", "机电安装")),
    "F": (22, ("贸易", "商贸", "珠宝", "百货", "供应链管理")),
    "G": (4, ("物流", "运输", "快递服务")),
    "H": (9, ("餐饮管理", "酒店管理", "饮食")),
    "I": (12, ("信息技术", "软件", "网络科技", "数据科技")),
    "J": (5, ("投资", "融资担保", "资产管理")),
    "K": (7, ("房地产开发", "物业管理", "房地产经纪")),
    "L": (14, ("商务咨询", "人力资源", "广告", "企业管理")),
    "M": (6, ("工程设计", "检测技术", "科技研发")),
    "O": (4, ("家政服务", "美容美发", "维修服务")),
    "P": (2, ("教育科技", "培训")),
    "Q": (2, ("医疗管理", "健康管理")),
    "R": (3, ("文化传媒", "体育发展", "影视")),
}
INDUSTRY_CODES = tuple(INDUSTRY_WORDS)
INDUSTRY_WEIGHTS = tuple(w for w, _ in INDUSTRY_WORDS.values())

#: Organisation type → (weight, credit-code positions 1–2, first characters of the organisation code).
ORG_TYPES: dict[str, tuple[int, str, str]] = {
    "私营/民营企业": (72, "91", "MA5"),
    "外商投资企业": (5, "91", "MA5"),
    "港澳台商投资企业": (8, "91", "MA5"),
    "个体工商户": (5, "92", "L"),
    "社会团体": (4, "51", "MJL"),
    "民办非企业单位": (5, "52", "MJL"),
    "基金会": (1, "53", "MJL"),
}
ORG_TYPE_NAMES = tuple(ORG_TYPES)
ORG_TYPE_WEIGHTS = tuple(w for w, _, _ in ORG_TYPES.values())
SOCIAL_INDUSTRY = {"社会团体": "S", "民办非企业单位": "Q", "基金会": "S"}

ROADS = (
    "深南东路", "人民北路", "东门中路", "宝安南路", "笋岗路", "贝丽北路", "太宁路", "翠竹路", "田贝一路", "文锦中路",
    "爱国路", "延芳路", "罗沙路", "布心路", "清水河一路", "桂园路", "建设路", "春风路", "解放路", "湖贝路", "北站路",
)
BUILDINGS = ("大厦", "广场", "中心", "商务楼", "花园", "工业区")

STREET_WEIGHTS = (12, 10, 14, 12, 13, 12, 6, 7, 7, 7)  # Luohu's 10 streets in code order

VISIT_NOTES = {
    "willing": ("党组织书记支持建团，已讲解建团流程和材料", "企业同意建团，约定下月提交建团申请"),
    "considering": ("企业表示需内部商议，留下建团指引", "书记支持，待企业负责人同意后答复"),
    "declined": ("企业暂无建团意愿，后续再做工作", "团员较少且流动性大，企业暂不考虑"),
    "not_eligible": ("35岁以下青年极少，暂不具备建团条件", "党组织隶属上级单位统一管理"),
    "follow_up": ("需补充青年花名册后再次走访", "约定提交团员名单后再跟进"),
}
INELIGIBLE_REASONS = ("35岁以下青年职工不足，暂不具备建团条件", "党组织随上级单位统一管理，团组织由上级单位建立")


def person(rng: random.Random) -> str:
    """A plausible Chinese personal name (surname and one or two characters)."""
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def phone(rng: random.Random) -> str:
    """A plausible mainland mobile number."""
    return "1" + rng.choice("3456789") + str(rng.randrange(10**8, 10**9))


def trade_name(rng: random.Random) -> str:
    """A two-character trade name (字号)."""
    return rng.choice(TRADE_CHARS) + rng.choice(TRADE_CHARS)


def org_name(rng: random.Random, org_type: str, industry: str, district: str = "罗湖区") -> str:
    """A plausible organisation name for its type and industry, in the district named."""
    trade = trade_name(rng)
    if org_type == "社会团体":
        return f"深圳市{district}{trade}{rng.choice(('商会', '行业协会', '促进会'))}"
    if org_type == "民办非企业单位":
        return f"深圳市{district}{trade}{rng.choice(('社会工作服务中心', '培训中心', '养老服务中心'))}"
    if org_type == "基金会":
        return f"深圳市{trade}公益基金会"
    word = rng.choice(INDUSTRY_WORDS.get(industry, (0, ("商贸",)))[1])
    if org_type == "个体工商户":
        return f"深圳市{district}{trade}{rng.choice(('商行', '餐厅', '便利店', '工作室'))}"
    if org_type in ("外商投资企业", "港澳台商投资企业"):
        return f"{trade}{word}（深圳）有限公司"
    return f"深圳市{trade}{word}{'股份' if rng.random() < 0.05 else ''}有限公司"


def address(rng: random.Random, street: str, district: str = "罗湖区") -> str:
    """A plausible address in the street."""
    building = f"{trade_name(rng)}{rng.choice(BUILDINGS)}" if rng.random() < 0.7 else ""
    return f"深圳市{district}{street}街道{rng.choice(ROADS)}{rng.randint(1, 3000)}号{building}"


def base31(value: int, width: int) -> str:
    """`value` written with the credit-code alphabet (no I, O, S, V, Z), `width` characters."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    out = ""
    for _ in range(width):
        out = chars[value % 31] + out
        value //= 31
    return out
