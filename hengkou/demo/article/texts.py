"""The texts of the routine: visit notes, emergencies and the problems enterprises raise."""

from __future__ import annotations

from enterprises.choices import ProblemCategory, ProblemSeverity

from .projects import d

# --- visits and problems ------------------------------------------------------------------------


ROUTINE_NOTES = (
    "了解企业生产经营情况，督促按时报送月度工业经济指标",
    "宣讲惠企政策，了解企业订单和用工情况",
    "检查安全生产和疫情防控措施落实情况",
    "了解项目建设进度，协调解决存在问题",
    "座谈了解企业融资需求，介绍风险补偿基金贷款政策",
    "督促落实环境保护措施，查看污染防治设施运行情况",
    "了解职工工资发放情况，宣传就业帮扶政策",
)
EMERGENCIES = (
    (
        "hengan",
        d(2021, 1, 22),
        "春节前疫情防控形势严峻，紧急协调员工核酸检测和留岗过年保障，确保生产不停",
    ),
    (
        "hairun",
        d(2021, 8, 23),
        "强降雨导致厂区排水不畅，紧急组织排涝并检查用电和设备安全",
    ),
    (
        "hengtong",
        d(2021, 9, 27),
        "有序用电期间紧急协调供电部门，错峰保障PP棉生产线连续运行",
    ),
)
# category, severity, description, resolution, department code (None: the sponsoring one)
PROBLEM_TEMPLATES = (
    (
        ProblemCategory.LABOUR,
        ProblemSeverity.ORDINARY,
        "订单增加，缺少熟练缝纫工约30人",
        "社会事务局组织专场招聘会，已为企业输送工人28名",
        "HK09",
    ),
    (
        ProblemCategory.LAND,
        ProblemSeverity.MAJOR,
        "扩建项目用地手续尚未办结，影响开工",
        "自然资源局加快组卷报批，已取得用地批复",
        "HK06",
    ),
    (
        ProblemCategory.FINANCING,
        ProblemSeverity.MAJOR,
        "流动资金紧张，申请银行贷款500万元",
        "组织银企对接，企业已通过风险补偿基金获得贷款500万元",
        "HK05",
    ),
    (
        ProblemCategory.WORK_SAFETY,
        ProblemSeverity.ORDINARY,
        "仓库消防通道堆放原料，存在安全隐患",
        "应急管理局现场督促整改，隐患已消除并复查合格",
        "HK11",
    ),
    (
        ProblemCategory.ENVIRONMENT,
        ProblemSeverity.ORDINARY,
        "喷涂工序废气处理设施需要升级改造",
        "生态环境分局指导制定整改方案，设施已改造完成并达标排放",
        "HK12",
    ),
    (
        ProblemCategory.PROJECT_FUNDING,
        ProblemSeverity.ORDINARY,
        "申报省级技术改造专项资金，需协助准备申报材料",
        "财政局协助完成申报材料，项目已列入省级技术改造专项",
        "HK05",
    ),
    (
        ProblemCategory.CONSTRUCTION_PROGRESS,
        ProblemSeverity.ORDINARY,
        "厂房施工受连续降雨影响，进度滞后",
        "住建局协调施工单位增加作业面，进度已基本追回",
        "HK07",
    ),
    (
        ProblemCategory.STATISTICAL_INCLUSION,
        ProblemSeverity.ORDINARY,
        "申请入库纳统，需指导完善统计台账和财务报表",
        "经济委、局上门指导完善统计台账，入库申报资料已报送",
        "HK01",
    ),
    (
        ProblemCategory.WAGES,
        ProblemSeverity.ORDINARY,
        "外包施工队拖欠农民工工资，工人反映强烈",
        "社会事务局约谈施工单位，工资已足额发放",
        "HK09",
    ),
    (
        ProblemCategory.OTHER,
        ProblemSeverity.ORDINARY,
        "生产用电负荷不足，需要变压器增容",
        "协调供电部门完成增容改造，已正常送电",
        None,
    ),
    (
        ProblemCategory.EPIDEMIC,
        ProblemSeverity.ORDINARY,
        "外地员工返岗需要核酸检测和健康监测支持",
        "协调卫生院上门采样，返岗员工已全部到岗",
        None,
    ),
    (
        ProblemCategory.ANNUAL_INVESTMENT,
        ProblemSeverity.ORDINARY,
        "年度投资计划完成滞后，设备款支付延迟",
        "协调设备供应商分期付款，投资进度已按计划推进",
        None,
    ),
)


# --- texts of their time ----------------------------------------------------------------------

# The epidemic measures ended with 2022: later years of the demo say the same without them.
EPIDEMIC_LAST_YEAR = 2022
_AFTER_THE_EPIDEMIC = {
    "检查安全生产和疫情防控措施落实情况": "检查安全生产措施落实情况，查看消防设施和应急预案",
    "督促企业落实安全生产和疫情防控措施": "督促企业落实安全生产主体责任和隐患排查整改",
    "做好安全生产、环境保护、工资发放和疫情防控工作": "做好安全生产、环境保护和工资发放工作",
}
# An epidemic problem drawn for a later year becomes one of its time (the same draw, so the
# rest of the year's plan is unchanged).
_LATER_PROBLEM = (
    ProblemCategory.LABOUR,
    ProblemSeverity.ORDINARY,
    "外地员工节后返岗需要协调住宿和通勤班车",
    "协调园区公寓和公交公司开通通勤班车，返岗员工已全部到岗",
    None,
)


def of_its_time(text: str, year: int) -> str:
    """Return ``text`` as written in ``year``: no epidemic measures after 2022."""
    if year <= EPIDEMIC_LAST_YEAR:
        return text
    return _AFTER_THE_EPIDEMIC.get(text, text)


def problem_of_its_time(template: tuple, year: int) -> tuple:
    """Return a problem template as raised in ``year``: no epidemic problem after 2022."""
    if year > EPIDEMIC_LAST_YEAR and template[0] == ProblemCategory.EPIDEMIC:
        return _LATER_PROBLEM
    return template
