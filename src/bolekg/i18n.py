"""The two languages of the human pages: the UI strings (one catalogue) and the choice of language.

The report is Chinese and its readers are Chinese- and English-speaking researchers, so every page
exists in both. The language of a request is, in order: ``?lang=zh|en``, the ``lang`` cookie set by
the language switch, the best match of ``Accept-Language`` (RFC 9110 §12.5.4), else Chinese, the
report's own language. Labels fall back zh → en → the IRI's local name (:func:`pick`), so a
resource with only one language still has a name in the other.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

#: key → (zh, en). Only strings a page shows; data labels come from the graph.
CATALOGUE: dict[str, tuple[str, str]] = {
    "site.title": ("博乐市“我为群众办实事”知识图谱", "BoleKG: Bole City practical matters knowledge graph"),
    "site.short": ("BoleKG", "BoleKG"),
    "site.tagline": ("博乐市2021年上半年“我为群众办实事”实践活动工作情况报告,编码为可查询的关联数据:"
                     "每个数字都可追溯到原文句子。",
                     "Bole City's 2021 mid-year report on practical matters for the people as linked data: "
                     "every figure traced to the sentence it came from."),
    "nav.home": ("首页", "Home"),
    "nav.browse": ("浏览", "Browse"),
    "nav.search": ("搜索", "Search"),
    "nav.reader": ("报告原文", "Report"),
    "nav.dashboard": ("指标看板", "Indicators"),
    "nav.sparql": ("SPARQL 查询", "SPARQL"),
    "nav.ontology": ("本体", "Ontology"),
    "nav.quality": ("数据质量", "Quality"),
    "nav.downloads": ("下载", "Downloads"),
    "nav.main": ("主导航", "Main navigation"),
    "lang.switch": ("语言", "Language"),
    "lang.other": ("English", "中文"),
    "footer.licence": ("数据:博乐市2021年上半年“我为群众办实事”工作情况,CC BY 4.0。",
                       "Data: Bole City 2021 mid-year report on practical matters for the people, CC BY 4.0."),
    "footer.writable": ("已启用写入(需要令牌)。", "Writes are enabled (bearer token)."),
    # home
    "home.programmes": ("三大类工作与30个条目", "The three programmes and their 30 items"),
    "home.counts": ("数据一览", "At a glance"),
    "home.headline": ("主要指标:目标与完成", "Headline indicators: target and actual"),
    "home.explore": ("继续探索", "Explore"),
    "home.workbench": ("在 SPARQL 工作台中查询", "Query it in the SPARQL workbench"),
    "home.all_figures": ("全部指标与图表", "All indicators and charts"),
    "home.read": ("阅读报告原文(数字与实体已标注)", "Read the report (figures and entities highlighted)"),
    "count.items": ("条目", "items"),
    "count.organisations": ("机构", "organisations"),
    "count.places": ("地点", "places"),
    "count.projects": ("项目与活动", "projects and activities"),
    "count.figures": ("数字(观测值)", "figures (observations)"),
    "count.quotes": ("原文引文", "source quotes"),
    "count.triples": ("三元组", "triples"),
    # search
    "search.title": ("搜索", "Search"),
    "search.label": ("搜索名称(中文、英文或拼音)", "Search names (Chinese, English or pinyin)"),
    "search.placeholder": ("例如:达勒特镇、hospital、boleshi", "e.g. 达勒特镇, hospital, boleshi"),
    "search.button": ("搜索", "Search"),
    "search.empty": ("请输入要搜索的词:中文(全部或部分)、英文单词或拼音(可带空格或声调)。",
                     "Type a word to search for: Chinese (whole or part), English words, or pinyin "
                     "(with or without spaces and tones)."),
    "search.none": ("没有找到与“{q}”匹配的名称。试试更短的词、英文或拼音。",
                    "Nothing is named like “{q}”. Try a shorter word, English, or pinyin."),
    "search.count": ("“{q}”共 {n} 个结果", "{n} result(s) for “{q}”"),
    "search.kind": ("类型", "Kind"),
    "search.match": ("匹配", "Match"),
    "search.name": ("名称", "Name"),
    "match.exact": ("完全匹配", "exact"),
    "match.prefix": ("开头匹配", "prefix"),
    "match.word": ("词匹配", "word"),
    "match.substring": ("部分匹配", "part"),
    "match.pinyin": ("拼音", "pinyin"),
    "match.text": ("说明文字", "other text"),
    # entity pages
    "entity.iri": ("IRI", "IRI"),
    "entity.formats": ("其他格式", "Also as"),
    "entity.types": ("类型", "Type"),
    "entity.definition": ("定义", "Definition"),
    "entity.notes": ("编者注", "Editorial notes"),
    "entity.quotes": ("原文出处", "Source quotes"),
    "entity.quotes.none": ("此资源没有直接的原文引文。", "No source quote is attached to this resource itself."),
    "entity.quote.read": ("在原文中查看", "show in the report"),
    "entity.quote.for": ("支持", "supports"),
    "entity.sparql": ("本页背后的 SPARQL", "The SPARQL behind this page"),
    "entity.sparql.run": ("在工作台运行", "run it"),
    "entity.graph": ("关联实体", "Linked entities"),
    "entity.graph.alt": ("{name} 与 {n} 个关联实体的关系图", "Graph of {name} and {n} linked entities"),
    "entity.all": ("全部陈述", "All statements"),
    "entity.incoming": ("引用本资源的陈述", "Statements pointing here"),
    "entity.incoming.more": ("此处显示 {shown} 项,共 {n} 项:查看全部", "{shown} of {n} shown: see them all"),
    "entity.property": ("属性", "Property"),
    "entity.value": ("值", "Value"),
    "entity.programme": ("所属类别", "Programme"),
    "entity.item": ("所属条目", "Item"),
    "entity.parent": ("上级", "Part of"),
    "entity.themes": ("主题", "Themes"),
    "entity.agencies": ("责任机构", "Responsible agencies"),
    "entity.agencies.none": ("报告未点名,编者也未推定责任机构。", "No agency is named or attributed."),
    "entity.stated": ("报告所述", "stated in the report"),
    "entity.attributed": ("编者推定", "attributed by the editors"),
    "entity.reason": ("推定理由", "reason"),
    "entity.places": ("地点", "Places"),
    "entity.subprojects": ("下属项目与活动", "Projects and activities"),
    "entity.dates": ("时间节点", "Dates"),
    "entity.figures": ("数字", "Figures"),
    "entity.planned": ("计划", "planned"),
    "entity.figures.none": ("没有数字。", "No figures."),
    "entity.breadcrumb": ("所在位置", "Where it is"),
    "entity.inside": ("区域内", "Inside it"),
    "entity.initiatives_here": ("在此地开展的工作", "Initiatives here"),
    "entity.figures_here": ("关于此地的数字", "Figures about this place"),
    "entity.code": ("区划代码", "Division code"),
    "entity.org.parent": ("上级机构", "Parent organisation"),
    "entity.org.units": ("下属单位", "Units"),
    "entity.org.jurisdiction": ("管辖范围", "Jurisdiction"),
    "entity.org.responsible": ("负责的工作", "Responsible for"),
    "entity.org.figures": ("报告注明由其提供的数字", "Figures the report attributes to it"),
    "entity.obs.value": ("报告值", "Value as reported"),
    "entity.obs.normalised": ("换算值", "Normalised value"),
    "entity.obs.as_written": ("原文写法", "As written"),
    "entity.obs.qualifier": ("限定", "Qualifier"),
    "entity.obs.indicator": ("指标", "Indicator"),
    "entity.obs.measure": ("度量类型", "Measure type"),
    "entity.obs.unit": ("单位", "Unit"),
    "entity.obs.period": ("时期", "Period"),
    "entity.obs.area": ("地区", "Area"),
    "entity.obs.initiative": ("所属工作", "Initiative"),
    "entity.obs.part_of": ("是……的一部分", "Part of"),
    "entity.obs.parts": ("组成部分", "Parts"),
    "entity.obs.related": ("相关数字", "Related figures"),
    "entity.obs.by": ("数字来源机构", "Figure given by"),
    "entity.quote.page": ("原文引文", "Source quote"),
    "entity.quote.facts": ("依据此引文的事实", "Facts drawn from this quote"),
    "entity.quote.context": ("所在句子", "Sentence"),
    "col.value": ("数值", "Value"),
    "col.unit": ("单位", "Unit"),
    "col.measure": ("度量类型", "Measure type"),
    "col.period": ("时期", "Period"),
    "col.indicator": ("指标", "Indicator"),
    "col.figure": ("数字", "Figure"),
    "col.quote": ("原文", "Quote"),
    "col.initiative": ("工作", "Initiative"),
    "col.basis": ("依据", "Basis"),
    "col.date": ("日期", "Date"),
    "col.kind": ("类型", "Kind"),
    "col.name": ("名称", "Name"),
    "col.count": ("数量", "Count"),
    "col.target": ("目标", "Target"),
    "col.actual": ("完成", "Actual"),
    "col.share": ("完成计划比例", "Share of plan"),
    "col.item": ("条目", "Item"),
    "col.pct_target": ("完成/目标", "Actual ÷ target"),
    # browse
    "browse.title": ("浏览", "Browse"),
    "browse.classes": ("按类别浏览", "Browse by class"),
    "browse.facets": ("筛选", "Filter"),
    "browse.clear": ("清除筛选", "clear filters"),
    "browse.showing": ("第 {first}–{last} 项,共 {total} 项", "{first}–{last} of {total}"),
    "browse.none": ("没有符合条件的资源。", "Nothing matches these filters."),
    "browse.prev": ("上一页", "previous"),
    "browse.next": ("下一页", "next"),
    "browse.page": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "browse.links": ("通过“{via}”指向“{to}”的资源", "What points at “{to}” through “{via}”"),
    "facet.programme": ("类别", "Programme"),
    "facet.item": ("条目", "Item"),
    "facet.place": ("地点", "Place"),
    "facet.within": ("所在地区(含其下地点)", "In a place (or a place inside it)"),
    "facet.agency": ("机构", "Agency"),
    "facet.unit": ("单位", "Unit"),
    "facet.measure": ("度量类型", "Measure type"),
    # reader
    "reader.title": ("报告原文", "The report"),
    "reader.intro": ("报告全文。带底色的文字是编码为数据的原文引文:数字(橙色)和实体(蓝色)。点击即可打开对应页面。",
                     "The full text of the report. Shaded passages are quotes encoded as data: figures "
                     "(orange) and entities (blue). Follow one to its page."),
    "reader.legend.figure": ("数字", "figure"),
    "reader.legend.entity": ("实体", "entity"),
    "reader.stats": ("{q} 段引文,支持 {f} 个事实。", "{q} quotes supporting {f} facts."),
    # dashboard
    "dash.title": ("指标看板", "Indicator dashboard"),
    "dash.intro": ("目标与完成情况来自报告中同一指标、同一工作下的目标值和实际值(单位换算后比较)。"
                   "完成计划比例是报告自己给出的百分比。",
                   "Target and actual pair the report's target and actual figures of the same indicator "
                   "for the same initiative (compared after normalising units). Share of plan is the "
                   "percentage the report itself states."),
    "dash.target_actual": ("目标与完成", "Target and actual"),
    "dash.share": ("各条目完成计划比例", "Share of plan per item"),
    "dash.chart": ("图表", "Chart"),
    "dash.table": ("数据表", "Table"),
    "dash.chart.ta.alt": ("{n} 项指标的完成值占目标的百分比条形图,100% 处有参考线。",
                          "Bar chart of actual as a percentage of target for {n} indicators, with a line at 100%."),
    "dash.chart.share.alt": ("{n} 项报告给出的完成计划比例条形图,按条目分组,100% 处有参考线。",
                             "Bar chart of the {n} shares of plan the report states, grouped by item, with a line "
                             "at 100%."),
    "dash.counts": ("各条目的数字个数", "Figures per item"),
    # sparql workbench
    "wb.title": ("SPARQL 查询工作台", "SPARQL query workbench"),
    "wb.intro": ("默认图为所有命名图的并集。编辑器已预置本项目的前缀;下面的示例回答研究者常问的问题。",
                 "The default graph is the union of all named graphs. The editor has the project's prefixes "
                 "preloaded; the examples below answer questions researchers ask of this report."),
    "wb.examples": ("示例查询", "Example queries"),
    "wb.load": ("载入编辑器", "Load in the editor"),
    "wb.run_html": ("运行(表格)", "Run (table)"),
    "wb.plain": ("不用 JavaScript 的查询表单", "Plain query form (no JavaScript)"),
    "wb.results_as": ("结果格式", "Results as"),
    "wb.run": ("运行", "Run"),
    "wb.results": ("{n} 个结果", "{n} result(s)"),
    # ontology & quality
    "onto.title": ("本体", "Ontology"),
    "onto.classes": ("类", "Classes"),
    "onto.properties": ("属性", "Properties"),
    "onto.units": ("自定义单位", "Units defined here"),
    "onto.super": ("上位类", "Subclass of"),
    "onto.domain": ("定义域", "Domain"),
    "onto.range": ("值域", "Range"),
    "onto.kind": ("种类", "Kind"),
    "onto.instances": ("实例数", "Instances"),
    "quality.title": ("数据质量", "Data quality"),
    "quality.result": ("当前 SHACL 验证结果", "Current SHACL validation result"),
    "quality.conforms": ("符合:所有形状均满足。", "Conforms: every shape is satisfied."),
    "quality.fails": ("不符合:{n} 个违规。", "Does not conform: {n} violation(s)."),
    "quality.findings": ("{v} 个违规,{o} 个其他发现。", "{v} violation(s), {o} other finding(s)."),
    "quality.shapes": ("形状", "Shapes"),
    "quality.target": ("目标", "Target"),
    "quality.constraints": ("约束", "Constraints"),
    "quality.severity": ("严重程度", "Severity"),
    "quality.focus": ("焦点节点", "Focus node"),
    "quality.path": ("路径", "Path"),
    "quality.message": ("说明", "Message"),
    "quality.checked": ("验证了 {n} 个三元组(本体 + 数据)。", "{n} triples validated (ontology + data)."),
    "misc.yes": ("是", "yes"),
    "misc.no": ("否", "no"),
    "misc.none": ("—", "—"),
    "misc.more": ("还有 {n} 项", "{n} more"),
    "misc.at_least": ("至少 {n} 项", "at least {n}"),
    "misc.all": ("查看全部", "see them all"),
    "misc.back_top": ("回到顶部", "back to top"),
}


def translate(key: str, lang: str, **values: object) -> str:
    """The UI string ``key`` in ``lang``; an unknown key shows itself, so a gap is visible, not fatal."""
    pair = CATALOGUE.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**values) if values else text


def choose_lang(param: str | None, cookie: str | None, accept_language: object | None) -> str:
    """``?lang=`` > cookie > ``Accept-Language`` (a Werkzeug ``LanguageAccept``) > Chinese."""
    for candidate in (param, cookie):
        if candidate and candidate.lower() in LANGS:
            return candidate.lower()
    if accept_language is not None:
        best = accept_language.best_match(["zh", "zh-CN", "zh-Hans", "en", "en-US", "en-GB"])  # type: ignore[attr-defined]
        if best:
            return "zh" if best.lower().startswith("zh") else "en"
    return DEFAULT_LANG


def local_name(iri: str) -> str:
    """The last segment of an IRI: what a resource is called when it has no label at all."""
    stripped = iri.rstrip("/#")
    for sep in ("#", "/"):
        if sep in stripped:
            stripped = stripped.rsplit(sep, 1)[1]
    return stripped or iri


def pick(names: Mapping[str, str] | None, lang: str, iri: str = "") -> str:
    """The name to show in ``lang``: that language, then zh, then en, then any, then the local name."""
    if names:
        for candidate in (lang, "zh", "en", ""):
            if names.get(candidate):
                return names[candidate]
        return next(iter(names.values()))
    return local_name(iri) if iri else ""


def other(names: Mapping[str, str] | None, lang: str) -> str:
    """The name in the other language, when it exists and differs (shown as a subtitle)."""
    if not names:
        return ""
    second = "en" if lang == "zh" else "zh"
    text = names.get(second, "")
    return text if text and text != names.get(lang) else ""
