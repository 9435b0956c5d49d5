//! The names, companies and products the demo draws from, in English and Chinese.

#[rustfmt::skip]
pub(super) const EN_GIVEN: &[&str] = &[
    "Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas", "Mia", "Oliver",
    "Charlotte", "Elijah", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Henry", "Grace", "Daniel",
];
#[rustfmt::skip]
pub(super) const EN_FAMILY: &[&str] = &[
    "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Anderson", "Thomas", "Jackson", "White",
    "Harris", "Martin", "Thompson", "Clark", "Lewis", "Walker", "Hall", "Young", "King",
];
/// (family name, pinyin)
#[rustfmt::skip]
pub(super) const ZH_FAMILY: &[(&str, &str)] = &[
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("赵", "zhao"),
    ("黄", "huang"), ("周", "zhou"), ("吴", "wu"), ("徐", "xu"), ("孙", "sun"), ("胡", "hu"), ("朱", "zhu"),
    ("高", "gao"), ("林", "lin"), ("何", "he"), ("郭", "guo"), ("马", "ma"), ("罗", "luo"),
];
/// (given name, pinyin)
#[rustfmt::skip]
pub(super) const ZH_GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"), ("洋", "yang"),
    ("艳", "yan"), ("勇", "yong"), ("杰", "jie"), ("婷", "ting"), ("强", "qiang"), ("晓明", "xiaoming"),
    ("丽华", "lihua"), ("建国", "jianguo"), ("思远", "siyuan"), ("雨桐", "yutong"), ("浩然", "haoran"),
    ("欣怡", "xinyi"), ("子涵", "zihan"),
];

pub(super) struct OrgSeed {
    pub name: &'static str,
    pub legal_name: &'static str,
    pub domain: &'static str,
    pub industry: &'static str,
    pub region: &'static str,
    pub chinese: bool,
}

const fn org(
    name: &'static str,
    legal_name: &'static str,
    domain: &'static str,
    industry: &'static str,
    region: &'static str,
    chinese: bool,
) -> OrgSeed {
    OrgSeed {
        name,
        legal_name,
        domain,
        industry,
        region,
        chinese,
    }
}

#[rustfmt::skip]
pub(super) const ORGANISATIONS: &[OrgSeed] = &[
    org("Northwind Logistics", "Northwind Logistics Ltd.", "northwind-logistics.com", "Logistics", "London", false),
    org("Bluebird Health", "Bluebird Health Inc.", "bluebirdhealth.com", "Healthcare", "Boston", false),
    org("Summit Retail Group", "Summit Retail Group LLC", "summitretail.com", "Retail", "Denver", false),
    org("Harbor Analytics", "Harbor Analytics Inc.", "harboranalytics.io", "Software", "Seattle", false),
    org("Maple & Pine Foods", "Maple and Pine Foods Ltd.", "mapleandpine.ca", "Food & beverage", "Toronto", false),
    org("Ironclad Manufacturing", "Ironclad Manufacturing Co.", "ironclad-mfg.com", "Manufacturing", "Detroit", false),
    org("Lumen Energy", "Lumen Energy plc", "lumen-energy.co.uk", "Energy", "Manchester", false),
    org("Crescent Hotels", "Crescent Hotels Pte. Ltd.", "crescenthotels.sg", "Hospitality", "Singapore", false),
    org("Atlas Legal Partners", "Atlas Legal Partners LLP", "atlaslegal.com", "Legal services", "New York", false),
    org("Greenfield Schools", "Greenfield Schools Trust", "greenfieldschools.org", "Education", "Bristol", false),
    org("Vertex Telecom", "Vertex Telecom Inc.", "vertextelecom.com", "Telecommunications", "Dallas", false),
    org("Orchid Cosmetics", "Orchid Cosmetics Ltd.", "orchidcosmetics.com", "Consumer goods", "Sydney", false),
    org("Keystone Construction", "Keystone Construction Inc.", "keystonebuild.com", "Construction", "Chicago", false),
    org("Silverline Insurance", "Silverline Insurance Co.", "silverline-ins.com", "Insurance", "Hartford", false),
    org("Riverbend Farms", "Riverbend Farms LLC", "riverbendfarms.com", "Agriculture", "Sacramento", false),
    org("Nimbus Cloud Services", "Nimbus Cloud Services Ltd.", "nimbuscloud.io", "Software", "Dublin", false),
    org("星辰科技", "上海星辰科技有限公司", "xingchen-tech.cn", "软件", "上海", true),
    org("华瑞医疗", "北京华瑞医疗器械有限公司", "huarui-med.cn", "医疗", "北京", true),
    org("锦程物流", "广州锦程物流有限公司", "jincheng-logistics.cn", "物流", "广州", true),
    org("天越制造", "苏州天越精密制造有限公司", "tianyue-mfg.cn", "制造", "苏州", true),
    org("绿源农业", "成都绿源农业发展有限公司", "lvyuan-agri.cn", "农业", "成都", true),
    org("海纳教育", "杭州海纳教育科技有限公司", "haina-edu.cn", "教育", "杭州", true),
    org("金盾保险", "深圳金盾保险经纪有限公司", "jindun-ins.cn", "保险", "深圳", true),
    org("云帆数据", "南京云帆数据服务有限公司", "yunfan-data.cn", "软件", "南京", true),
    org("东方酒店", "武汉东方酒店管理有限公司", "dongfang-hotels.cn", "酒店", "武汉", true),
    org("鼎盛建设", "重庆鼎盛建设工程有限公司", "dingsheng-build.cn", "建筑", "重庆", true),
    org("美妍化妆品", "厦门美妍化妆品有限公司", "meiyan-beauty.cn", "消费品", "厦门", true),
    org("长风能源", "西安长风新能源有限公司", "changfeng-energy.cn", "能源", "西安", true),
    org("恒通电信", "天津恒通电信设备有限公司", "hengtong-tel.cn", "电信", "天津", true),
    org("佳味食品", "青岛佳味食品有限公司", "jiawei-food.cn", "食品饮料", "青岛", true),
    org("博远律师事务所", "博远律师事务所", "boyuan-law.cn", "法律服务", "北京", true),
    org("启明零售", "长沙启明零售连锁有限公司", "qiming-retail.cn", "零售", "长沙", true),
];

/// Department names: (English, Chinese).
#[rustfmt::skip]
pub(super) const DEPARTMENTS: &[(&str, &str)] = &[
    ("Executive", "总经办"),
    ("Finance", "财务部"),
    ("Procurement", "采购部"),
    ("IT", "信息技术部"),
    ("Operations", "运营部"),
    ("Legal", "法务部"),
    ("Marketing", "市场部"),
    ("Sales", "销售部"),
    ("Human Resources", "人力资源部"),
];

#[rustfmt::skip]
pub(super) const B2C_PRODUCTS: &[(&str, &str, i64)] = &[
    ("Home solar kit", "家用太阳能套装", 1_280_000),
    ("Premium gym membership (1 year)", "高级健身会员（一年）", 398_000),
    ("Smart water purifier", "智能净水器", 259_900),
    ("Language course, 48 lessons", "语言课程 48 课时", 688_000),
    ("Family dental plan", "家庭牙科计划", 159_900),
    ("E-bike with service pack", "电动自行车及保养套餐", 499_900),
];

#[rustfmt::skip]
pub(super) const B2B_PRODUCTS: &[(&str, &str, i64)] = &[
    ("Fleet telematics rollout", "车队管理系统部署", 48_000_000),
    ("ERP integration project", "ERP 集成项目", 86_000_000),
    ("Annual cloud subscription", "年度云服务订阅", 36_000_000),
    ("Warehouse automation pilot", "仓储自动化试点", 120_000_000),
    ("Staff training programme", "员工培训计划", 15_000_000),
    ("Security audit and hardening", "安全审计与加固", 22_000_000),
];
