//! What the classifier knows before a community has any history.
//!
//! | list | what it holds | how it counts |
//! |---|---|---|
//! | [`seed_keywords`] | words residents use for each default category, Chinese and English | one seed document each, [`super::SEED_WEIGHT`] |
//! | [`is_stop_word`] | function words, and words every kind of request uses (小区, 晚上, 上下楼, 不安全, 坏了, 尽快…) | never a feature |
//!
//! A seed is a word, not a sentence: a phrase such as 电梯坏了 would teach the lift
//! category the word 坏了, which belongs to every category. A word listed under two
//! categories (楼道 is a corridor's lamp, e-bike or clutter) says less for either.

use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

use super::FxHasher;

/// Seed keywords of a default category; empty for other codes.
#[rustfmt::skip]
pub fn seed_keywords(code: &str) -> &'static [&'static str] {
    match code {
        "parking" => &[
            "停车", "停车位", "车位", "乱停", "乱停车", "乱停乱放", "乱放", "违停", "违章停车", "占道", "占车位", "占用车位",
            "挡路", "堵路", "堵门", "车库", "地下车库", "停车场", "停车费", "车辆", "外来车辆", "汽车", "私家车",
            "电动车乱放", "自行车", "单车", "共享单车", "摩托车", "僵尸车", "废弃车辆", "挪车", "车道", "地锁", "地桩", "车",
            "parking", "parked", "park", "car", "vehicle", "garage", "space", "spot",
            "driveway", "bike", "bicycle", "scooter", "tow", "towed", "abandoned",
            "blocking", "货车", "大货车", "面包车", "三轮车", "电瓶车", "倒车", "进出", "划线", "车位锁", "充电桩",
            "月租", "临停", "van", "truck", "lorry", "motorbike", "motorcycle", "lane",
        ],
        "noise" => &[
            "噪音", "噪声", "吵", "吵闹", "吵死", "太吵", "扰民", "噪音扰民", "声音", "响", "大声", "喧哗", "大声喧哗",
            "装修", "装修声", "电钻", "电锤", "敲", "敲打", "砸墙", "施工", "夜间施工", "工地", "打桩", "打桩机",
            "广场舞", "音响", "音乐", "唱歌", "KTV", "喇叭", "狗叫", "犬吠", "鸣笛", "嗡嗡", "轰鸣", "睡不着", "失眠",
            "休息", "noise", "noisy", "loud", "music", "party", "barking", "drilling",
            "construction", "renovation", "shouting", "sleep", "跑跳", "拖椅子", "高跟鞋", "低音炮",
            "麻将", "打麻将", "喊", "叫卖", "吆喝", "鞭炮", "放鞭炮", "烟花", "风机", "机器", "切割", "电锯", "震",
            "震动", "噪", "drum", "bass", "banging", "yelling", "firework", "siren",
            "generator", "machine",
        ],
        "sanitation" => &[
            "垃圾", "垃圾桶", "垃圾箱", "垃圾房", "垃圾亭", "垃圾站", "垃圾分类", "满溢", "清运", "清理", "打扫", "保洁",
            "卫生", "环境卫生", "脏", "脏乱", "脏乱差", "臭", "臭味", "异味", "恶臭", "馊", "发臭", "老鼠", "蟑螂",
            "蚊子", "苍蝇", "蚊虫", "狗屎", "粪便", "大小便", "随地", "乱扔", "乱丢", "乱倒", "建筑垃圾", "污水", "泔水",
            "油污", "塑料袋", "纸箱", "消杀", "灭鼠", "rubbish", "garbage", "trash", "litter", "bin",
            "waste", "smell", "stink", "dirty", "filthy", "rat", "mice", "cockroach", "fly",
            "flies", "mosquito", "poo", "poop", "overflowing", "collected", "尿", "小便",
            "随地大小便", "尿骚味", "屎", "猫屎", "流浪猫", "流浪狗", "野猫", "垃圾袋", "烟头", "吐痰", "发霉", "霉味",
            "积灰", "拖地", "保洁员", "清扫", "垃圾车", "废品", "堆积", "杂物", "臭水沟", "河道", "urine", "pee",
            "feces", "stray", "cat", "smelly", "mess", "cleaning", "cleaner", "sweep",
        ],
        "repairs_water" => &[
            "漏水", "水管", "渗水", "滴水", "爆管", "水管爆裂", "管道", "下水道", "下水管", "排水", "堵塞", "不通",
            "反水", "返水", "冒水", "停水", "没水", "水压", "马桶", "水龙头", "水表", "阀门", "地漏", "天花板",
            "屋顶漏水", "防水", "积水", "水箱", "自来水", "水质", "热水器", "化粪池", "窨井", "污水管", "water",
            "leak", "leaking", "leaked", "pipe", "burst", "drain", "blocked", "clogged",
            "toilet", "tap", "faucet", "flood", "flooding", "ceiling", "drip", "dripping",
            "sewage", "冲不下去", "马桶堵", "浑浊", "水黄", "热水", "管子", "漏", "渗漏", "墙体渗水", "防水层",
            "二次供水", "水泵", "泵房", "雨水管", "排水沟", "淹水", "内涝", "plumbing", "plumber", "sink",
            "basin", "shower", "sewer", "overflow", "flush", "damp", "mould", "mold",
        ],
        "repairs_electricity" => &[
            "停电", "断电", "没电", "来电", "电路", "线路", "跳闸", "总闸", "电闸", "空开", "电线", "漏电", "插座",
            "电表", "电表箱", "配电箱", "配电房", "变压器", "电工", "楼道灯", "灯不亮", "感应灯", "声控灯", "灯泡", "灯管",
            "照明", "灯", "电压", "短路", "火花", "供电", "power", "outage", "electricity", "electric",
            "electrical", "wiring", "wire", "socket", "outlet", "fuse", "breaker",
            "tripped", "light", "lamp", "bulb", "switch", "blackout", "stairwell", "闪",
            "一闪一闪", "忽明忽暗", "电线老化", "线路老化", "电压不稳", "电器", "开关", "电箱", "接线", "裸露", "走廊灯",
            "楼梯灯", "应急灯", "照明灯", "黑", "漆黑", "flickering", "flicker", "dark", "cable",
            "short", "spark", "voltage", "lighting",
        ],
        "repairs_lift" => &[
            "电梯", "电梯故障", "困人", "关人", "被困", "困在", "电梯困人", "电梯停运", "电梯异响", "停梯", "轿厢", "电梯门",
            "按钮", "显示屏", "警铃", "维保", "年检", "电梯维保", "扶梯", "直梯", "货梯", "下坠", "溜梯", "lift",
            "elevator", "escalator", "stuck", "trapped", "电梯关人", "门不开", "夹人", "夹到", "冲顶",
            "停运", "停用", "电梯停", "晃", "抖", "异响", "电梯卡", "刷卡",
        ],
        "greenery" => &[
            "绿化", "绿化带", "绿地", "树", "树木", "大树", "树枝", "树叶", "落叶", "树根", "草", "草坪", "草地",
            "杂草", "修剪", "剪枝", "枯树", "死树", "倒树", "灌木", "花坛", "花草", "园林", "绿植", "毁绿", "毁绿种菜",
            "种菜", "占绿", "病虫害", "虫害", "打药", "喷药", "砍树", "tree", "grass", "lawn", "branch",
            "hedge", "bush", "shrub", "leaves", "weed", "garden", "planting", "prune",
            "trimming", "overgrown", "歪", "倒伏", "剪树", "修枝", "桂花", "樟树", "香樟", "梧桐", "杨树",
            "柳絮", "杨絮", "飞絮", "草丛", "虫", "毛毛虫", "浇水", "养护", "补种", "枯死", "遮挡", "阳光", "trim",
            "cut", "root", "fallen", "flower", "plant", "mowing", "mow",
        ],
        "safety_hazard" => &[
            "隐患", "安全隐患", "消防", "消防通道", "消防栓", "灭火器", "飞线", "飞线充电", "充电", "电动车进楼", "电瓶",
            "高空坠物", "高空抛物", "坠落", "掉落", "脱落", "松动", "外墙", "瓷砖", "井盖", "煤气", "燃气", "煤气罐",
            "液化气", "漏气", "燃气泄漏", "煤气味", "火灾", "着火", "起火", "冒烟", "安全出口", "逃生通道", "楼道堆物",
            "危房", "裂缝", "坍塌", "hazard", "danger", "dangerous", "fire", "extinguisher",
            "gas", "charging", "battery", "exit", "manhole", "falling", "collapse", "crack",
            "risk", "扔", "扔东西", "抛物", "砸", "砸到", "掉下来", "围墙", "墙体", "裂", "开裂", "倾斜", "倒塌",
            "塌", "危险", "插线板", "拖线板", "电动车充电", "电瓶车充电", "防火门", "堵塞通道", "坠物", "广告牌", "招牌",
            "脚手架", "易燃", "火", "烟味", "焦味", "fall", "loose", "cracked", "scaffolding",
        ],
        "neighbour_dispute" => &[
            "邻居", "邻里", "纠纷", "矛盾", "吵架", "争吵", "争执", "打架", "骂人", "辱骂", "调解", "协商", "沟通",
            "谈不拢", "不讲理", "不认账", "赔偿", "赔钱", "对门", "隔壁", "楼上楼下", "摄像头", "宠物", "养鸡", "养鸽子",
            "neighbour", "neighbor", "dispute", "quarrel", "argument", "argue", "mediate",
            "mediation", "disagree", "fight", "吵翻", "闹矛盾", "闹", "讲理", "说不通", "劝", "评理",
            "打通", "私占", "晾衣服", "油烟", "狗咬人", "咬", "harass", "harassment", "threaten", "rude",
        ],
        "property_management" => &[
            "物业", "物业费", "物业公司", "物业服务", "管家", "客服", "收费", "乱收费", "涨价", "保安", "门卫", "门禁",
            "门禁卡", "值班", "服务差", "服务态度", "态度差", "不作为", "推诿", "报修", "业委会", "业主大会", "公共收益",
            "公示", "账目", "合同", "交接", "维修基金", "property", "management", "company", "fee",
            "charge", "service", "security", "guard", "concierge", "maintenance", "物管",
            "管理处", "服务中心", "催缴", "欠费", "拖着", "拖延", "推脱", "敷衍", "不回复", "打不通", "投诉物业", "保洁公司",
            "换物业", "选聘", "大门", "道闸", "监控", "保安亭", "office", "gate", "ignored", "unanswered",
        ],
        "public_facilities" => &[
            "路灯", "健身器材", "路面", "坑洼", "坑", "座椅", "长椅", "椅子", "公厕", "厕所", "人行道", "盲道", "无障碍",
            "道路", "马路", "地砖", "台阶", "栏杆", "护栏", "扶手", "滑梯", "秋千", "游乐设施", "游乐场", "公园", "凉亭",
            "公交站", "站台", "指示牌", "路牌", "宣传栏", "streetlight", "street", "bench", "road",
            "pavement", "sidewalk", "pothole", "playground", "swing", "slide", "railing",
            "sign", "bus", "篮球场", "球场", "运动场", "健身", "步道", "公共厕所", "站牌", "公交站牌", "路标", "标识",
            "路面塌陷", "破损", "地面", "围栏", "长廊", "广场", "休息区", "信报箱", "信箱", "court", "basketball",
            "path", "footpath", "kerb", "curb", "fountain", "handrail", "shelter",
        ],
        "other" => &[
            "咨询", "办理", "证明", "开证明", "居住证", "户口", "户籍", "社保", "医保", "低保", "补贴", "养老", "老年证",
            "老年卡", "高龄", "助餐", "食堂", "志愿者", "报名", "活动", "培训", "课程", "兴趣班", "建议", "意见", "表扬",
            "感谢", "丢失", "走失", "寻物", "招领", "疫苗", "体检", "就业", "certificate", "register",
            "registration", "apply", "application", "subsidy", "volunteer", "hukou",
            "residence", "permit", "pension", "insurance", "lost", "found", "suggestion",
            "question", "course", "class", "event", "补助", "领取", "申请", "资格", "证件", "身份证",
            "钱包", "捡到", "失物", "失主", "场地", "借用", "活动室", "读书会", "兴趣小组", "老年大学", "残疾", "残疾人",
            "退休", "养老金", "居住证明", "租房证明", "入学", "上学", "党员", "报到", "捐赠", "献血", "义诊", "政策",
            "wallet", "benefit", "enquiry", "venue", "club",
        ],
        _ => &[],
    }
}

/// Words that say nothing about the category: function words, and words that requests
/// of every kind use.
#[rustfmt::skip]
const STOP_WORDS: &[&str] = &[
    "a", "about", "again", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be",
    "been", "but", "by", "can", "could", "day", "do", "does", "don", "every", "for", "from",
    "get", "got", "had", "has", "have", "he", "her", "here", "him", "his", "how", "i", "if",
    "in", "into", "is", "it", "its", "just", "keep", "like", "look", "me", "more", "my",
    "need", "night", "no", "not", "now", "of", "on", "one", "or", "our", "out", "over",
    "please", "since", "so", "some", "someone", "still", "than", "that", "the", "their",
    "them", "there", "these", "they", "this", "those", "time", "to", "today", "too",
    "until", "up", "us", "very", "was", "we", "week", "were", "what", "when", "where",
    "which", "who", "why", "will", "with", "would", "yesterday", "you", "your", "一", "一下",
    "一个", "一直", "上", "下", "不", "不安全", "也", "了", "人", "什么", "今天", "他", "他们", "住户", "你", "你们",
    "你好", "反映", "坏", "坏了", "处理", "多", "大家", "天天", "太", "好", "如果", "她", "就", "就是", "希望",
    "已经", "帮忙", "怎么", "怎么办", "总是", "您好", "我", "我们", "我家", "所以", "把", "时候", "昨天", "是", "晚上",
    "有", "有人", "没", "没有", "没人", "然后", "现在", "的", "社区", "给", "老是", "老人", "而且", "能", "自己",
    "被", "要", "解决", "谢谢", "请", "请问", "还", "还是", "这", "这个", "这样", "那", "那个", "都", "问题", "麻烦",
    "小区", "上下楼", "家里", "尽快", "很", "又", "在", "和", "吗", "呢", "吧", "啊", "呀", "着", "说", "去",
    "来", "到", "对", "从", "里", "小孩", "孩子", "早上", "白天", "半夜", "楼上", "楼下", "楼", "单元", "门口", "号",
    "栋", "层", "户", "安全",
];

/// Is `word` one that says nothing about the category?
pub fn is_stop_word(word: &str) -> bool {
    // Longer than any stop word (four CJK characters): not one.
    word.len() <= 12 && STOP_SET.contains(word)
}

/// [`STOP_WORDS`] as a set, built at first use.
static STOP_SET: LazyLock<HashSet<&'static str, BuildHasherDefault<FxHasher>>> =
    LazyLock::new(|| STOP_WORDS.iter().copied().collect());
