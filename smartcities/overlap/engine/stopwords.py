"""Word lists the overlap check ignores: function words and generic smart-city filler, per language.

IDF already discounts words that are everywhere, but a few hundred plan initiatives are too few for it
to learn that "smart", "city", "digital" or "thông minh" say nothing, so filler is a hand-kept prior.
Entries are written naturally; text.py folds and stems them like document words.
"""

STOP_WORDS = """
a an the and or of for to in on at by with from into onto over under as is are was were be been being
it its this that these those their them they we our you your he she his her which who whom whose what
when where while than then there so such not no nor all any each every some more most other also can
could will would shall should may might must has have had do does did about after before between
through during within without up down out off per via including across along against around both only
own very just etc
dan di ke dari yang untuk dengan pada dalam secara oleh atau ini itu akan telah sudah bagi kepada serta
juga para setiap seluruh agar supaya melalui tersebut adalah ialah sebagai antara atas kami kita mereka
ang ng mga sa na at para ay ni kay nang mula ito iyon
va cua cac nhung duoc voi nay mot theo tren nham hoac
"""

STOP_EXACT_WORDS = """
và của các những cho được là với để này đó một có theo tại trên khi đã sẽ đang thì mà từng vào bị lên
như hoặc hay nhằm cũng rất nhiều bằng qua
"""

FILLER_WORDS = """
smart smarter city cities urban municipal project programme initiative system digital digitalisation
digitisation transformation development develop developing platform solution technology innovative
intelligent modern modernisation integrated application app new phase pilot improve improvement
enhance upgrade provide implement implementation deploy deployment support use using based
kota cerdas pintar bandar pengembangan pembangunan sistem aplikasi program proyek projek teknologi
berbasis solusi penyelesaian terpadu terintegrasi mewujudkan membangun peningkatan pelaksanaan
lungsod matalino proyekto sistema programa
"""

FILLER_PHRASE_LINES = """
thông minh
đô thị
thành phố
dự án
đề án
hệ thống
phát triển
chuyển đổi số
chuyển đổi
số hóa
nền tảng
ứng dụng
xây dựng
công nghệ
giải pháp
triển khai
nâng cấp
phục vụ
hiện đại
tích hợp
kỹ thuật số
smart nation
"""

# Cut out of Thai, Lao, Khmer and Burmese runs before taking character n-grams.
UNSPACED_NOISE = tuple("""
อัจฉริยะ โครงการ ระบบ ดิจิทัล ดิจิตอล พัฒนา แพลตฟอร์ม เมือง เทคโนโลยี นวัตกรรม สมาร์ท ซิตี้
และ ของ เพื่อ ด้วย สำหรับ จาก ผ่าน ให้ ที่ ใน โดย การ แห่ง ทุก เป็น แล้ว
ອັດສະລິຍະ ໂຄງການ ລະບົບ ດິຈິຕອນ ພັດທະນາ ເມືອງ ແລະ ຂອງ ເພື່ອ ໃນ ທີ່ ການ
ឆ្លាតវៃ គម្រោង ប្រព័ន្ធ ឌីជីថល អភិវឌ្ឍន៍ អភិវឌ្ឍ ទីក្រុង និង នៃ សម្រាប់ ដើម្បី នៅ ក្នុង ការ
စမတ် စီမံကိန်း စနစ် ဒစ်ဂျစ်တယ် ဖွံ့ဖြိုးတိုးတက် ဖွံ့ဖြိုး မြို့ နှင့် ၏ အတွက် တွင် ကို
""".split())

# One spelling for British/American pairs, applied before and after plural folding.
SPELLING = {
    "center": "centre", "program": "programme", "fiber": "fibre", "license": "licence",
    "organization": "organisation", "optimize": "optimise", "digitize": "digitise",
    "digitization": "digitisation", "digitalization": "digitalisation", "modernization": "modernisation",
    "theater": "theatre", "labor": "labour", "neighbor": "neighbour", "neighborhood": "neighbourhood",
    "catalog": "catalogue", "traveler": "traveller", "kilometer": "kilometre", "liter": "litre",
}
