"""What a figure is about: the words it measures (the indicator), the place, and the organisation the
sentence says produced it.

- Indicator: the words before the figure in its list item or clause, less the time, cue and place words
  around them (开展各类培训5834人次 → 开展各类培训); when nothing is left, the words after it
  (29个部门认领… → 部门认领…). A share of plan, rate or change without words of its own measures the
  figure before it in the sentence (完成计划任务的128.2%): :mod:`bolekg.extract.draft` links them.
- Place: a name from the gazetteer in the figure's clause, or a named compound, village, park or road
  within one; 全市 and no name mean the report's own place.
- Organisation: a name with an administrative prefix from the gazetteer and an organ suffix (局, 委员会,
  医院 …). It is the figure's agency only when it is the subject of the figure's sentence — the sentence
  opens with it and it is not the owner in a project's name (博乐市人民医院……建设项目).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bolekg.extract.gazetteer import Place, load_gazetteer

CJK = "\u4e00-\u9fff"
LIST_MARKS = "、"
#: Words that lead into a figure without saying what it counts.
LEADING = re.compile(
    r"^(?:其中|同时|并且?|另外|此外|共计|总计|合计|累计|已经|已|目前|当前|截至目前|截至第二季度|截至|至今|今年|"
    r"\d{4}年(?:\d{1,2}(?:[-—–~至]\d{1,2})?月)?(?:份)?(?:以来|开始至今|截至目前)?|\d{1,2}月份?以来|全市|全县|全区|全州|为|对|在|于|"
    r"和|及|与|以及|实际|一是|二是|三是|四是|五是|现场|直接|间接|成功|共|达到|实现|完成了?|年度内|开展|"
    r"\d{1,2}月\d{1,2}日|"
    r"[一二三四五六七八九十]、|[:：])+")
TRAILING = re.compile(r"(?:的|达到|达|为|共计|共|约|近|超过|计|总计|累计)+$")
NEW_PLACE = re.compile(
    rf"[{CJK}]{{2,6}}?(?:小区|社区|新村|村|公园|牧场|街道|镇|乡)(?![{CJK}]*?(?:户|人|家|所))")
#: A road named as such: after a clause or list boundary (，北京路路名牌 → 北京路), two to four characters.
ROAD = re.compile(rf"(?:^|(?<=[，,、：:；;（(。]))([{CJK}]{{2,4}}?(?:路|大道))(?=[{CJK}])")
#: Organ names after a place name: a bureau may have words before 局 (住建局, 生态环境局…博乐市分局);
#: a government, Party committee or hospital is the place's own, with at most 人民 or a few words.
ORGAN_SUFFIX = (rf"(?:人民政府|政府|党委|委员会|[{CJK}]{{1,8}}?局(?:[{CJK}]{{2,6}}分局)?|"
                rf"人民医院|[{CJK}]{{0,6}}?医院|卫生院|公司|银行|人民法院|人民检察院)")
NOT_IN_NAMES = re.compile(r"推进|开展|加快|实施|落实|完成|建设|进一步|持续")
WHOLE_AREA = re.compile(r"全市|全县|全区|全州|全旗|市域|县域")


@dataclass(frozen=True)
class PlaceMention:
    begin: int
    end: int
    name: str
    gazetteer: Place | None  # None: a place the gazetteer lacks (a compound, park, road …)
    within: Place | None  # for a new place: the gazetteer place its name begins with


@dataclass(frozen=True)
class OrgMention:
    begin: int
    end: int
    name: str
    kind: str  # local name in bk: (GovernmentDepartment, Hospital …) or "Organization"


def _gazetteer_names() -> list[tuple[str, Place]]:
    names = [(name, place) for place in load_gazetteer() for name in place.short_names]
    return sorted(names, key=lambda pair: -len(pair[0]))


def gazetteer_mentions(text: str, begin: int, end: int) -> list[PlaceMention]:
    found: list[PlaceMention] = []
    taken: list[tuple[int, int]] = []
    for name, place in _gazetteer_names():
        start = begin
        while (hit := text.find(name, start, end)) != -1:
            start = hit + 1
            if any(b <= hit < e for b, e in taken):
                continue
            taken.append((hit, hit + len(name)))
            found.append(PlaceMention(hit, hit + len(name), name, place, None))
    return sorted(found, key=lambda m: m.begin)


def place_mentions(text: str, begin: int, end: int) -> list[PlaceMention]:
    """Places named in ``text[begin:end]``: gazetteer names, and new places (a named compound, village, park
    or road), the latter placed within the gazetteer place their name begins with, if any."""
    known = gazetteer_mentions(text, begin, end)
    found = list(known)
    for mention in known:  # 阿热勒托海牧场青山小区: a compound inside a gazetteer place
        follow = NEW_PLACE.match(text, mention.end, end)
        if follow and follow.end() - mention.end >= 3:
            found.append(PlaceMention(mention.end, follow.end(), follow.group(), None, mention.gazetteer))
    for match in ROAD.finditer(text, begin, end):
        name = match.group(1)
        if re.search(r"道路|公路|线路|铺路|修路|路灯|路面|路基|路名|路段|路口|网路|一路|二路|三路|幅|旧|更换|完成|"
                     r"铺|修|改|拆|建|通", name):
            continue
        if not any(m.begin <= match.start(1) < m.end for m in found):
            found.append(PlaceMention(match.start(1), match.end(1), name, None, None))
    return sorted(found, key=lambda m: m.begin)


def _org_kind(name: str) -> str:
    for suffix, kind in (("分局", "BranchOffice"), ("医院", "Hospital"), ("卫生院", "HealthCentre"),
                         ("党委", "PartyCommittee"), ("政府", "Government"), ("局", "GovernmentDepartment"),
                         ("委员会", "GovernmentDepartment")):
        if name.endswith(suffix):
            return kind
    return "Organization"


def org_mentions(text: str, begin: int, end: int) -> list[OrgMention]:
    """Organisation names: a gazetteer place name, then an organ (博乐市住建局, 博乐市民政局,
    博尔塔拉蒙古自治州生态环境局博乐市分局, 博乐市人民医院)."""
    names = "|".join(re.escape(name) for name, _ in _gazetteer_names())
    pattern = re.compile(rf"(?:{names}){ORGAN_SUFFIX}")
    found: list[OrgMention] = []
    for match in pattern.finditer(text, begin, end):
        name = match.group()
        if re.search(r"[年月日项个]", name[-3:]) or NOT_IN_NAMES.search(name):
            continue
        found.append(OrgMention(match.start(), match.end(), name, _org_kind(name)))
    return found


#: Organisations named by their kind, as a group (乡镇卫生院, 农村幼儿园, 29个部门, 30家职能部门、单位): a general
#: lexicon of organ nouns, with the words that say which (乡镇, 农村, 各) or how many.
GROUP = (r"(?:\d+|[一二三四五六七八九十]+)?[个家所]?(?:各|全市)?(?:乡镇|农村|城区|社区|村)?"
         r"(?:职能部门、单位|职能部门|部门|单位|卫生院|卫生室|幼儿园|中小学|学校|医院|医疗机构)")
#: What may open a sentence before its subject: an enumeration, a time phrase, 目前, 由.
OPENING = (r"(?:[一二三四五六七八九十]是|\d{4}年[^，,。]{0,8}|目前|由|[,，、\s]|[㈠-㈩]"
           r"|[（(][一二三四五六七八九十][)）])*")


def group_subject(text: str, sentence_begin: int, sentence_end: int) -> OrgMention | None:
    """A group of organisations named by their kind that opens the sentence as its subject and acts
    (乡镇卫生院持续加强……, 30家职能部门、单位共归集……), not one that is only described (学校的……)."""
    lead = re.match(OPENING, text[sentence_begin:sentence_end])
    start = sentence_begin + (lead.end() if lead else 0)
    names = "|".join(re.escape(name) for name, _ in _gazetteer_names())
    match = re.compile(rf"(?:{names})?{GROUP}(?=[{CJK}])").match(text, start, sentence_end)
    if match is None or re.match(r"的|和|与|及|建设|项目|工程|数|占", text[match.end():match.end() + 2]):
        return None
    return OrgMention(match.start(), match.end(), match.group(), "GroupOfOrganisations")


def stated_agency(text: str, sentence_begin: int, sentence_end: int) -> OrgMention | None:
    """The organisation the sentence is *by*: it opens the sentence (after a time phrase at most) and is not
    the owner in a project's or facility's name."""
    orgs = org_mentions(text, sentence_begin, sentence_end)
    if not orgs:
        return None
    first = orgs[0]
    lead = text[sentence_begin:first.begin]
    opening = (r"(?:[一二三四五六七八九十]是|\d{4}年[^，,。]{0,8}|目前|由|[,，、\s]|[㈠-㈩]"
               r"|[（(][一二三四五六七八九十][)）])*")
    if lead and not re.fullmatch(opening, lead):
        return None
    rest = text[first.end:sentence_end]
    rest = re.sub(r"^[（(][^)）]*[)）]", "", rest)
    head = re.split(r"[，,。；;]", rest, maxsplit=1)[0]
    if re.search(r"项目|工程|建设", head[:20]) and not re.match(r"^(?:对|在|于|将|已|共|持续|积极|严把|组织)", head):
        return None
    return first


#: Where the noun a figure counts ends after it (扶持25人创业，… → 创业; 组织60余家重点单位通过… → 重点单位).
AFTER_STOP = re.compile(rf"通过|用于|[、，,；;。：:（(]|\d|[一二三四五六七八九十](?=[{CJK}])")
#: Verbs that take the counted noun after the figure (新建1所中学 → 新建中学): a general lexicon.
VERB_END = re.compile(r"(?:新建|建设|建|提供|开展|组织|完成|办理|实现|更换|设置|拆除|接收|安装|增加|打通|续建|落户|"
                      r"兑现|申请|归集|认领|受理|解答|发现|检查|排查|整改|开工|扶持|带动|为|培训|发放|投入|种植|"
                      r"改造|修复|治理|招聘|吸纳|帮助|救助|慰问|走访|举办|召开|印发|收到|处理)$")
#: A list mark after a figure (199面、市区警示牌78面): only then does 、 start a new figure's words.
FIGURE_BEFORE_MARK = re.compile(r"[\d%％][^\d、，,；;]{0,4}$")
#: Words that only link a subject to what it did: the figure's words start after the last of them
#: (住建局对临街的空白地……共建设了停车场 → 停车场).
LINKING = re.compile(r"(?:对|为|了|把|于|将)")


def _cjk_count(words: str) -> int:
    return len(re.findall(rf"[{CJK}]", words))


def words_after(text: str, figure_end: int, clause_end: int) -> str:
    """The noun right after a figure, up to the next verb, preposition, list mark or number."""
    stop = AFTER_STOP.search(text, figure_end, clause_end)
    return _clean(text[figure_end:stop.start() if stop else clause_end])


def indicator_words(text: str, clause_begin: int, clause_end: int, figure_begin: int, figure_end: int,
                    previous_end: int) -> str:
    """The words ``figure`` measures (see the module docstring); "" when the text gives none."""
    start = max(clause_begin, previous_end)
    list_mark = max(text.rfind(mark, start, figure_begin) for mark in LIST_MARKS)
    if list_mark >= 0 and FIGURE_BEFORE_MARK.search(text[start:list_mark]):
        start = list_mark + 1
    words = _clean(text[start:figure_begin])
    if _cjk_count(words) > 8:
        cut = list(LINKING.finditer(words))
        if cut and _cjk_count(words[cut[-1].end():]) >= 3:
            words = _clean(words[cut[-1].end():])
    after = words_after(text, figure_end, clause_end)
    verb = VERB_END.search(words)
    if _cjk_count(after) >= 2 and (verb or _cjk_count(words) <= 2):
        # 新建1所中学, 提供5158个工作岗位: the verb and the noun it counts
        words = _clean((verb.group() if verb and _cjk_count(words) > 2 else words) + after)
    elif _cjk_count(words) <= 2:
        words = _clean(words + after)
    return words


def _clean(words: str) -> str:
    words = re.sub(r"[“”\"「」‘’\s]", "", words)
    previous = None
    while previous != words:
        previous = words
        words = LEADING.sub("", words)
        for name, _ in _gazetteer_names():
            words = words.removeprefix(name)
        words = TRAILING.sub("", words)
        words = WHOLE_AREA.sub("", words) if WHOLE_AREA.search(words[-2:]) else words
    return words.strip("，,、：:；;()（）")
