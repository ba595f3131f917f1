"""A smart-city concept lexicon: names for the same thing across ASEAN languages and jargon.

Each concept lists terms in English, Thai, Vietnamese (with diacritics; matching folds them), Bahasa
Indonesia/Malay, Khmer, Lao, Burmese and Filipino where the wording is well established. Terms are
matched as whole words (Latin scripts, plurals folded) or as substrings (scripts without spaces);
acronyms of up to three capitals ("ITS", "EV") only in capitals, so "its" is not a transport system.
Terms name the thing itself: a word that is everywhere in the domain ("sensor", "app") is no concept.
"""
from __future__ import annotations

# (key, label, terms separated by ";")
CONCEPTS: tuple[tuple[str, str, str], ...] = (
    # Water, floods and the environment
    ("flood", "flood monitoring and early warning",
     "flood; flooding; flash flood; inundation; water level; river level; rain gauge; overflow; "
     "น้ำท่วม; ระดับน้ำ; อุทกภัย; น้ำล้นตลิ่ง; ngập lụt; ngập úng; lũ lụt; cảnh báo ngập; mực nước; "
     "chống ngập; lũ quét; banjir; paras air; tinggi muka air; ទឹកជំនន់; ນ້ຳຖ້ວມ; ရေကြီး; baha"),
    ("drainage", "drainage and stormwater",
     "drainage; drain; stormwater; pumping station; sewer; sewerage; ระบายน้ำ; สถานีสูบน้ำ; thoát nước; "
     "trạm bơm; drainase; saluran air; rumah pompa; perparitan; longkang; ប្រព័ន្ធលូ; ស្ថានីយបូមទឹក; kanal"),
    ("water_supply", "water supply network and leakage (non-revenue water)",
     "non-revenue water; NRW; leak; leakage; leak detection; water loss; pipe burst; district metered area; "
     "SCADA; water supply; water distribution; water network; น้ำสูญเสีย; ท่อรั่ว; ประปา; rò rỉ; "
     "thất thoát nước; cấp nước; nước sạch; kebocoran; kehilangan air; air tak berhasil; bekalan air; "
     "air bersih; ការលេចធ្លាយ; ទឹកស្អាត; ນ້ຳປະປາ; ရေပေးဝေ; tagas ng tubig; water security; ketahanan air; "
     "an ninh nguồn nước; ความมั่นคงทางน้ำ"),
    ("water_quality", "water quality and wastewater",
     "water quality; river pollution; wastewater; waste water; wastewater treatment; คุณภาพน้ำ; น้ำเสีย; "
     "chất lượng nước; nước thải; kualitas air; kualiti air; air limbah; air sisa"),
    ("air_quality", "air quality and PM2.5 monitoring",
     "air quality; air pollution; PM2.5; PM10; AQI; haze; dust sensor; smog; ฝุ่น; ฝุ่นละออง; "
     "คุณภาพอากาศ; มลพิษทางอากาศ; หมอกควัน; chất lượng không khí; ô nhiễm không khí; bụi mịn; "
     "kualitas udara; kualiti udara; pencemaran udara; polusi udara; jerebu; គុណភាពខ្យល់; "
     "ຄຸນນະພາບອາກາດ; လေထုညစ်ညမ်း; kalidad ng hangin"),
    ("fire", "fire and forest-fire safety",
     "fire; wildfire; forest fire; firefighting; fire station; fire alarm; ไฟป่า; ดับเพลิง; "
     "phòng cháy chữa cháy; cháy rừng; kebakaran; kebakaran hutan; pemadam kebakaran; អគ្គិភ័យ; sunog"),
    ("disaster", "disaster risk management",
     "disaster; disaster risk; evacuation; earthquake; landslide; tsunami; typhoon; ภัยพิบัติ; "
     "แผ่นดินไหว; thiên tai; sạt lở; bencana; kebencanaan; tanah longsor; gempa; គ្រោះមហន្តរាយ; "
     "ໄພພິບັດ; သဘာဝဘေးအန္တရာယ်; sakuna; bagyo; lindol"),
    ("waste", "solid waste collection",
     "waste; garbage; rubbish; trash; refuse collection; solid waste; garbage truck; waste collection; "
     "landfill; ขยะ; rác; rác thải; thu gom rác; sampah; sisa pepejal; pengurusan sisa; សំរាម; សម្រាម; "
     "កាកសំណល់; ຂີ້ເຫຍື້ອ; အမှိုက်; basura"),
    ("recycling", "recycling and separation at source",
     "recycling; recyclable; waste bank; waste sorting; separation at source; smart bin; คัดแยกขยะ; "
     "รีไซเคิล; ธนาคารขยะ; tái chế; phân loại rác; daur ulang; bank sampah; kitar semula; pilah sampah"),
    ("urban_farming", "urban farming and community gardens",
     "urban farming; urban agriculture; community garden; rooftop garden; vegetable garden; "
     "grow vegetables; plant vegetables; growing food; vertical farm; เกษตรในเมือง; ปลูกผัก; สวนผัก; "
     "nông nghiệp đô thị; vườn rau; pertanian perkotaan; kebun sayur; tanam sayur; pertanian bandar; "
     "urban gardening; gulayan"),
    ("trees", "tree planting and urban greening",
     "tree planting; plant trees; planting trees; planted tree; urban forest; green space; greening; "
     "million trees; ปลูกต้นไม้; ต้นไม้; พื้นที่สีเขียว; trồng cây; cây xanh; mảng xanh; penanaman pohon; "
     "tanam pohon; ruang terbuka hijau; penanaman pokok; ដាំដើមឈើ; ປູກຕົ້ນໄມ້; pagtatanim ng puno"),
    ("solar", "solar and renewable energy",
     "solar; solar panel; rooftop solar; photovoltaic; PV; renewable energy; โซลาร์เซลล์; โซลาร์รูฟ; "
     "พลังงานแสงอาทิตย์; พลังงานหมุนเวียน; điện mặt trời; năng lượng mặt trời; năng lượng tái tạo; "
     "tenaga surya; panel surya; PLTS; tenaga suria; energi terbarukan; ថាមពលពន្លឺព្រះអាទិត្យ; "
     "ພະລັງງານແສງອາທິດ; နေရောင်ခြည်စွမ်းအင်"),
    ("energy_efficiency", "energy efficiency and smart metering",
     "energy management; energy efficiency; energy saving; smart meter; electricity bill; power consumption; "
     "building energy; ประหยัดพลังงาน; ค่าไฟฟ้า; มิเตอร์อัจฉริยะ; tiết kiệm năng lượng; công tơ điện tử; "
     "efisiensi energi; hemat energi; meter pintar; kecekapan tenaga; penjimatan tenaga"),
    # Mobility
    ("traffic_signals", "traffic management and adaptive traffic signals (ITS)",
     "traffic signal; traffic light; adaptive signal; signal control; signal timing; traffic control; "
     "traffic management; traffic operations centre; intelligent transport system; ITS; ATCS; "
     "สัญญาณไฟจราจร; ไฟจราจร; ควบคุมการจราจร; đèn tín hiệu; đèn giao thông; điều khiển giao thông; "
     "tín hiệu giao thông; lampu lalu lintas; lampu isyarat; manajemen lalu lintas; pengaturan lalu lintas; "
     "APILL; ភ្លើងចរាចរណ៍; မီးပွိုင့်; ilaw trapiko; intelligent transportation system; "
     "intelligent traffic system; traffic control system; hệ thống giao thông thông minh; "
     "sistem transportasi cerdas; sistem pengangkutan pintar"),
    ("traffic_enforcement", "traffic violation detection and enforcement",
     "traffic violation; red-light camera; speed camera; traffic enforcement; weigh-in-motion; "
     "overloaded truck; no-contact apprehension; ฝ่าไฟแดง; phạt nguội; vi phạm giao thông; "
     "vượt đèn đỏ; tilang elektronik; e-tilang; ETLE"),
    ("cctv", "CCTV and video surveillance",
     "CCTV; surveillance camera; security camera; traffic camera; video analytics; video surveillance; "
     "ANPR; face recognition; facial recognition; กล้องวงจรปิด; camera giám sát; kamera pengawas; "
     "kamera litar tertutup; កាមេរ៉ាសុវត្ថិភាព; ກ້ອງວົງຈອນປິດ; camera; camera an ninh; camera giao thông"),
    ("bus", "public bus service",
     "bus; bus route; bus stop; bus lane; city bus; feeder bus; รถเมล์; รถโดยสาร; ป้ายรถเมล์; xe buýt; "
     "bas; angkot; ឡានក្រុង; រថយន្តក្រុង; ລົດເມ; ဘတ်စ်ကား"),
    ("brt", "bus rapid transit (BRT)",
     "BRT; bus rapid transit; busway; rapid bus; dedicated bus lane; segregated bus lane; "
     "jalur khusus bus; xe buýt nhanh"),
    ("bus_information", "real-time bus location and arrival information",
     "bus location; bus tracking; arrival time; real-time bus; live bus; bus arrival; smart bus stop; "
     "ตำแหน่งรถโดยสาร; ตำแหน่งรถเมล์; เวลารถมาถึง; ป้ายรถเมล์อัจฉริยะ; vị trí xe buýt; thời gian xe đến; "
     "lokasi bus; kedatangan bus; passenger information; public transport information; transit information; "
     "thông tin hành khách; informasi penumpang; maklumat penumpang"),
    ("ticketing", "electronic and contactless fare ticketing",
     "e-ticket; electronic ticket; electronic ticketing; contactless card; fare card; QR ticket; ticketing; "
     "fare collection; integrated ticketing; ตั๋วร่วม; ตั๋วอิเล็กทรอนิกส์; vé điện tử; thẻ vé; "
     "tiket elektronik; e-tiket; tiket terintegrasi"),
    ("rail", "metro and urban rail",
     "metro; subway; MRT; LRT; urban railway; urban rail; light rail; skytrain; รถไฟฟ้า; รถไฟใต้ดิน; "
     "đường sắt đô thị; tàu điện ngầm; kereta api ringan; KRL; kereta bawah tanah"),
    ("ev", "electric vehicles and charging",
     "EV; EV charging; charging station; charging point; charger; electric vehicle; e-mobility; "
     "charging depot; สถานีชาร์จ; อัดประจุไฟฟ้า; รถยนต์ไฟฟ้า; ยานยนต์ไฟฟ้า; trạm sạc; xe điện; "
     "stasiun pengisian; kendaraan listrik; SPKLU; pengecasan; kenderaan elektrik; រថយន្តអគ្គិសនី"),
    ("electric_bus", "electric and low-emission buses",
     "electric bus; e-bus; fuel-cell bus; hydrogen bus; hydrogen fuel; รถเมล์ไฟฟ้า; รถโดยสารไฟฟ้า; "
     "xe buýt điện; bus listrik; bas elektrik"),
    ("parking", "parking",
     "parking; car park; parking space; parking fee; ที่จอดรถ; จอดรถ; đỗ xe; gửi xe; bãi đỗ; bãi xe; "
     "parkir; tempat letak kereta; letak kereta; ចំណតរថយន្ត; ບ່ອນຈອດລົດ; ကားပါကင်; paradahan"),
    ("shared_mobility", "bicycle sharing and shared mobility",
     "bicycle sharing; bike sharing; bike-share; shared bicycle; e-scooter; shared mobility; "
     "จักรยานสาธารณะ; xe đạp công cộng; sepeda sewa; basikal kongsi"),
    ("pedestrian", "footpaths and pedestrian safety",
     "footpath; sidewalk; pedestrian crossing; walkability; ทางเท้า; vỉa hè; trotoar; pejalan kaki; "
     "laluan pejalan kaki; walkway; covered walkway; cycle path; cycle lane; cycling lane; bike lane; "
     "bicycle lane; cycle track; ทางจักรยาน; ช่องทางจักรยาน; làn xe đạp; đường dành cho xe đạp; "
     "jalur sepeda; lajur basikal; laluan basikal; ផ្លូវថ្មើរជើង"),
    ("freight", "freight, trucks and logistics",
     "freight; logistics; truck weigh; weigh station; weigh-in-motion; รถบรรทุก; ชั่งน้ำหนัก; "
     "tải trọng xe; jembatan timbang; logistik"),
    # Safety
    ("command_centre", "city operations and command centre (IOC)",
     "intelligent operation centre; intelligent operations centre; IOC; command centre; control centre; "
     "control room; operations centre; operations room; war room; command and control; situation room; "
     "ศูนย์ปฏิบัติการ; ศูนย์บัญชาการ; ศูนย์ควบคุม; trung tâm điều hành; trung tâm giám sát; "
     "trung tâm chỉ huy; ruang kendali; pusat kendali; pusat komando; command center; pusat kawalan; "
     "bilik kawalan; មជ្ឈមណ្ឌលបញ្ជា; ສູນບັນຊາການ"),
    ("emergency", "emergency calls and dispatch",
     "emergency hotline; emergency call; emergency response; hotline; 112; 911; 1669; ambulance; dispatch; "
     "rescue; สายด่วน; กู้ภัย; cấp cứu; cứu hộ; gawat darurat; ambulans; kecemasan; សង្គ្រោះបន្ទាន់; "
     "call centre; contact centre; emergency number; ศูนย์รับแจ้งเหตุ; tổng đài khẩn cấp; pusat panggilan; "
     "layanan darurat"),
    ("public_safety", "policing and public order",
     "police; crime; public order; patrol; อาชญากรรม; ตำรวจ; an ninh trật tự; tội phạm; kepolisian; polisi; "
     "jenayah; kriminalitas; ប៉ូលិស; pulis; public safety; public-safety; peace and order; "
     "community safety; ความปลอดภัยสาธารณะ; ความปลอดภัยในชีวิตและทรัพย์สิน; an toàn công cộng; "
     "keamanan publik; ketertiban umum; keselamatan awam; kapayapaan at kaayusan"),
    ("cybersecurity", "cybersecurity",
     "cybersecurity; cyber security; CERT; CSIRT; cyber attack; information security; "
     "ความมั่นคงปลอดภัยไซเบอร์; ไซเบอร์; an toàn thông tin; an ninh mạng; keamanan siber; "
     "keselamatan siber; សន្តិសុខសាយប័រ; digital security; data security; ความปลอดภัยทางไซเบอร์; "
     "bảo mật thông tin; keamanan informasi; keselamatan maklumat"),
    # Government services
    ("e_services", "online public services and e-government portals",
     "online public service; e-government; egovernment; e-service; online service; government portal; "
     "public service portal; one-stop service; one-stop shop; administrative procedure; "
     "government services online; digital government service; บริการออนไลน์; บริการภาครัฐ; "
     "dịch vụ công trực tuyến; cổng dịch vụ công; thủ tục hành chính; một cửa; layanan publik online; "
     "pelayanan publik elektronik; mal pelayanan publik; kerajaan elektronik; perkhidmatan dalam talian; "
     "eGov; digital government; e-government service; government service; public services online; "
     "national portal; government web portal; national web portal; single window; national single window; "
     "one stop service; one-stop centre; รัฐบาลดิจิทัล; รัฐบาลอิเล็กทรอนิกส์; ศูนย์บริการร่วม; "
     "บริการแบบเบ็ดเสร็จ; chính phủ số; chính phủ điện tử; chính quyền điện tử; chính quyền số; "
     "bộ phận một cửa; SPBE; pemerintahan berbasis elektronik; pemerintahan digital; "
     "pelayanan terpadu satu pintu; kerajaan digital; pusat sehenti; perkhidmatan awam digital; e-gobyerno; "
     "រដ្ឋាភិបាលឌីជីថល; ລັດຖະບານດິຈິຕອນ; အီလက်ထရောနစ်အစိုးရ"),
    ("citizen_app", "government super app for citizens",
     "super app; superapp; citizen app; government app; ทางรัฐ; ứng dụng công dân; công dân số; "
     "aplikasi warga"),
    ("citizen_reporting", "citizen complaint and issue reporting",
     "citizen reporting; citizen report; citizen feedback; complaint; report problem; report city problem; "
     "report issue; street problem; pothole; grievance; ร้องเรียน; แจ้งปัญหา; รับแจ้ง; phản ánh; kiến nghị; "
     "pengaduan; aduan; laporan warga; keluhan warga; បណ្ដឹង; ຄຳຮ້ອງທຸກ; တိုင်ကြား; reklamo; sumbong; "
     "residents report; resident report; report problems; reporting problem; report a problem; "
     "public complaint; complaint handling; complaint channel; people's complaint; ร้องทุกข์; "
     "phản ánh kiến nghị; tiếp nhận phản ánh; pengaduan masyarakat; aduan masyarakat; aduan awam; "
     "lapor warga; pelaporan warga"),
    ("business_licensing", "business licences, permits and registration",
     "business licence; business permit; business registration; business premise licence; "
     "licences and permits; building permit; ใบอนุญาตประกอบธุรกิจ; จดทะเบียนธุรกิจ; đăng ký kinh doanh; "
     "giấy phép kinh doanh; perizinan usaha; izin usaha; lesen perniagaan; pendaftaran perniagaan; BPLS; "
     "eBPLS; ចុះបញ្ជីអាជីវកម្ម; trade permit; trade licence; operating permit; building approval; "
     "izin mendirikan bangunan; persetujuan bangunan gedung; giấy phép xây dựng; ใบอนุญาตก่อสร้าง"),
    ("digital_id", "digital identity and e-KYC",
     "digital id; digital identity; electronic identification; e-KYC; eKYC; national id; citizen id; "
     "identity card; single sign-on; NDID; e-ID; บัตรประชาชน; ยืนยันตัวตน; พิสูจน์ตัวตน; định danh điện tử; "
     "xác thực điện tử; căn cước; CCCD; VNeID; identitas digital; identiti digital; KTP elektronik; e-KTP; "
     "MyKad; MyDigital ID; អត្តសញ្ញាណប័ណ្ណ; PhilSys; ID card; citizen identity; identity information; "
     "identity data; population database; population register; civil registration; civil registry; "
     "ทะเบียนราษฎร; cơ sở dữ liệu dân cư; dữ liệu dân cư; định danh; data kependudukan; "
     "administrasi kependudukan; identitas kependudukan digital; pendaftaran penduduk"),
    ("e_payment", "electronic and cashless payment",
     "e-payment; electronic payment; cashless; e-wallet; QR payment; QR code; mobile payment; "
     "online payment; card payment; PromptPay; DuitNow; QRIS; KHQR; Bakong; GCash; พร้อมเพย์; ไม่ใช้เงินสด; "
     "ไร้เงินสด; ชำระเงินออนไลน์; thanh toán không dùng tiền mặt; thanh toán điện tử; ví điện tử; "
     "thanh toán trực tuyến; pembayaran elektronik; pembayaran online; pembayaran digital; dompet digital; "
     "e-dompet; tanpa tunai; nontunai; pembayaran dalam talian; digital payment; cashless payment; "
     "e-payments; mobile money; digital wallet; mobile wallet; digital banking; mobile banking; "
     "financial inclusion; ชำระเงินดิจิทัล; กระเป๋าเงินอิเล็กทรอนิกส์; ngân hàng số; tài chính toàn diện; "
     "thanh toán số; inklusi keuangan; keterangkuman kewangan; pembayaran tanpa tunai; pagbabayad online"),
    ("tax", "local taxes and fees",
     "tax; local tax; property tax; land tax; levy; ภาษี; thuế; pajak; retribusi; cukai; cukai taksiran; "
     "ពន្ធ; ອາກອນ; အခွန်; buwis; amilyar"),
    ("procurement", "electronic public procurement",
     "e-procurement; electronic procurement; procurement portal; online tender; e-tendering; e-catalogue; "
     "tendering; จัดซื้อจัดจ้าง; e-GP; e-bidding; đấu thầu qua mạng; đấu thầu điện tử; mua sắm công; "
     "pengadaan elektronik; pengadaan barang dan jasa; LPSE; e-Katalog; e-perolehan; perolehan elektronik; "
     "tender elektronik; PhilGEPS"),
    ("e_signature", "electronic signatures and PKI",
     "electronic signature; e-signature; digital signature; digital certificate; PKI; "
     "public key infrastructure; PNPKI; ลายมือชื่ออิเล็กทรอนิกส์; chữ ký số; chữ ký điện tử; "
     "tanda tangan elektronik; tandatangan digital; sertifikat elektronik; BSrE"),
    ("data_centre", "government data centre and cloud",
     "data centre; government cloud; cloud; cloud computing; cloud-first; server room; ศูนย์ข้อมูล; คลาวด์; "
     "trung tâm dữ liệu; điện toán đám mây; pusat data; komputasi awan; pengkomputeran awan; "
     "មជ្ឈមណ្ឌលទិន្នន័យ; national data centre; hybrid cloud; private cloud; government data centre; "
     "cloud service; cloud hosting; ศูนย์ข้อมูลภาครัฐ; คลาวด์กลางภาครัฐ; pusat data nasional; "
     "pusat data pemerintah; pusat data kerajaan; đám mây"),
    ("open_data", "open data and data sharing",
     "open data; open dataset; data portal; open government data; one data; satu data; data sharing; "
     "share data; machine-readable; ข้อมูลเปิด; เปิดเผยข้อมูล; dữ liệu mở; cổng dữ liệu; data terbuka; "
     "portal data; ទិន្នន័យបើកចំហ"),
    ("data_platform", "city data platform",
     "city data platform; urban data platform; data platform; data integration; data lake; big data; "
     "แพลตฟอร์มข้อมูล; ข้อมูลขนาดใหญ่; nền tảng dữ liệu; dữ liệu lớn; platform data; data raya; "
     "data analytics; big data analytics; centralised database; central database; integrated database; "
     "shared database; data warehouse; วิเคราะห์ข้อมูล; cơ sở dữ liệu dùng chung; phân tích dữ liệu; "
     "analitik data; analisis data raya; pangkalan data bersepadu"),
    ("gis", "GIS, zoning and urban planning data",
     "GIS; geographic information system; spatial data; zoning; land use; land-use plan; digital twin; "
     "3D city model; ผังเมือง; ระบบสารสนเทศภูมิศาสตร์; quy hoạch đô thị; cơ sở dữ liệu quy hoạch; "
     "tata ruang; rencana tata ruang; sistem informasi geografis; zonasi"),
    ("land_registry", "land registration and cadastre",
     "land registry; land registration; cadastre; land title; land record; property registration; "
     "โฉนดที่ดิน; ทะเบียนที่ดิน; đăng ký đất đai; địa chính; sổ đỏ; sertifikat tanah; pendaftaran tanah; "
     "geran tanah; ប្លង់ដី; land titling"),
    ("indicators", "smart-city indicators and readiness assessment",
     "indicator; KPI; performance index; readiness assessment; benchmarking; ตัวชี้วัด; bộ chỉ số; "
     "indikator; penilaian kesiapan; maturity assessment; maturity evaluation; maturity level; "
     "maturity index; monitoring and evaluation; city index; city ranking; đánh giá mức độ; "
     "indeks kematangan; evaluasi SPBE; penarafan"),
    ("masterplan", "smart-city master plan and roadmap",
     "master plan; masterplan; roadmap; blueprint; แผนแม่บท; kế hoạch tổng thể; lộ trình; rencana induk; "
     "pelan induk; peta jalan; reference architecture; enterprise architecture; ICT architecture; "
     "architecture framework; e-government architecture; reference framework; สถาปัตยกรรมองค์กร; "
     "kiến trúc chính phủ điện tử; kiến trúc chính quyền điện tử; khung kiến trúc; arsitektur SPBE; "
     "arsitektur pemerintahan"),
    ("training", "training and capacity building of officials",
     "training; training course; capacity building; upskilling; digital skill; digital literacy; ฝึกอบรม; "
     "đào tạo; bồi dưỡng; tập huấn; pelatihan; latihan; peningkatan kapasitas; bimbingan teknis; "
     "វគ្គបណ្តុះបណ្តាល; pagsasanay; digital talent; talent development; workforce development; reskilling; "
     "manpower development; digital workforce; AI skill; พัฒนาทักษะ; ทักษะดิจิทัล; nhân lực số; kỹ năng số; "
     "talenta digital; literasi digital; kemahiran digital; bakat digital"),
    # Health, education and social services
    ("telemedicine", "telemedicine and remote consultation",
     "telemedicine; telehealth; teleconsultation; remote consultation; video consultation; "
     "remote patient monitoring; virtual clinic; การแพทย์ทางไกล; โทรเวช; เทเลเมดิซีน; "
     "khám chữa bệnh từ xa; khám bệnh từ xa; y tế từ xa; tư vấn từ xa; telemedis; telemedisin; "
     "konsultasi jarak jauh; teleperubatan"),
    ("home_care", "home care for elderly and bed-ridden people",
     "home care; home visit; house call; elderly care; aged care; bed-ridden; bedridden; ติดบ้านติดเตียง; "
     "ติดเตียง; ดูแลผู้สูงอายุ; เยี่ยมบ้าน; chăm sóc người cao tuổi; khám tại nhà; kunjungan rumah; "
     "perawatan lansia; penjagaan warga emas; home health; home health visit; home healthcare; "
     "mobile doctor; doctor visit; doctor on call; visiting nurse; home-based care; dokter keliling; "
     "layanan kesehatan di rumah; perawatan di rumah; perawatan rumah"),
    ("health_records", "electronic health records",
     "electronic medical record; health record; e-health; EHR; hospital information system; "
     "เวชระเบียนอิเล็กทรอนิกส์; hồ sơ sức khỏe điện tử; bệnh án điện tử; rekam medis elektronik; "
     "rekod perubatan elektronik; medical record; patient record; hospital digitisation; "
     "hospital digitalisation; digital hospital; health information system; เวชระเบียน; hồ sơ bệnh án; "
     "bệnh án điện tử; rekam medis; rekod perubatan; sistem informasi kesehatan"),
    ("e_learning", "online learning and digital education",
     "e-learning; online learning; online lesson; online class; distance learning; remote learning; "
     "digital learning; learning management system; virtual classroom; เรียนออนไลน์; การเรียนทางไกล; "
     "การศึกษาทางไกล; học trực tuyến; dạy học trực tuyến; dạy và học trực tuyến; học liệu số; "
     "giáo dục trực tuyến; pembelajaran daring; pembelajaran online; belajar online; "
     "pembelajaran dalam talian; e-pembelajaran"),
    ("welfare", "social welfare payments",
     "welfare; social assistance; cash transfer; social protection; pension; สวัสดิการ; เบี้ยยังชีพ; "
     "trợ cấp; an sinh xã hội; bảo trợ xã hội; bantuan sosial; bansos; kebajikan; bantuan tunai; ayuda; "
     "poverty; poverty reduction; poverty alleviation; vulnerable household; low-income household; "
     "ความยากจน; giảm nghèo; hộ nghèo; kemiskinan; pengentasan kemiskinan; penanggulangan kemiskinan; "
     "miskin tegar; kahirapan; ភាពក្រីក្រ; ຄວາມທຸກຍາກ; ဆင်းရဲမှု"),
    ("housing", "public and affordable housing",
     "affordable housing; social housing; public housing; การเคหะ; nhà ở xã hội; rumah susun; "
     "perumahan rakyat; rumah mampu milik; perumahan awam; PPR; socialized housing; pabahay"),
    # Economy, tourism and culture
    ("startups", "start-ups, incubators and innovation hubs",
     "start-up; startup; incubator; accelerator; innovation hub; innovation centre; co-working; coworking; "
     "tech hub; สตาร์ทอัพ; บ่มเพาะ; khởi nghiệp; vườn ươm; perusahaan rintisan; inkubator; akselerator"),
    ("ecommerce", "e-commerce and digital small businesses",
     "e-commerce; ecommerce; online marketplace; sell online; MSME; SME; small business; "
     "อีคอมเมิร์ซ; พาณิชย์อิเล็กทรอนิกส์; thương mại điện tử; doanh nghiệp nhỏ và vừa; UMKM; UKM; "
     "e-dagang; perdagangan elektronik; toko online"),
    ("tourism", "tourism and visitor services",
     "tourism; tourist; visitor app; tourist information; attraction; travel guide; ท่องเที่ยว; "
     "นักท่องเที่ยว; du lịch; pariwisata; wisata; pelancongan; pelancong; ទេសចរណ៍; ທ່ອງທ່ຽວ; turismo"),
    ("heritage", "cultural heritage",
     "heritage; cultural heritage; historic building; historic site; museum; มรดกทางวัฒนธรรม; โบราณสถาน; "
     "พิพิธภัณฑ์; di sản; di tích; bảo tàng; cagar budaya; warisan budaya; muzium; museum; បេតិកភណ្ឌ"),
    ("agriculture", "smart farming and irrigation",
     "smart farming; smart agriculture; precision agriculture; soil moisture; irrigation; farmer; orchard; "
     "agritech; เกษตรอัจฉริยะ; เกษตรกร; ชลประทาน; nông nghiệp thông minh; nông nghiệp công nghệ cao; "
     "tưới tiêu; pertanian cerdas; pertanian pintar; irigasi; petani; pengairan; កសិកម្ម; ກະສິກຳ; "
     "magsasaka; agriculture; agricultural; agri-food; agrifood; agro-industry; food security; เกษตรกรรม; "
     "nông nghiệp; pertanian; pagsasaka; ความมั่นคงทางอาหาร; an ninh lương thực; ketahanan pangan; "
     "jaminan makanan"),
    # Connectivity and street infrastructure
    ("broadband", "broadband, fibre and 5G",
     "broadband; fibre; fibre optic; 4G; 5G; mobile coverage; backbone; connectivity; FTTH; บรอดแบนด์; "
     "อินเทอร์เน็ตความเร็วสูง; ไฟเบอร์ออปติก; băng thông rộng; cáp quang; serat optik; gentian optik; "
     "jalur lebar; internet cepat; internet speed; high-speed internet; internet access; "
     "internet penetration; rural connectivity; village connectivity; broadband to villages; "
     "school connectivity; school network; telecom tower; อินเทอร์เน็ตหมู่บ้าน; internet cáp quang; "
     "phủ sóng; akses internet; menara telekomunikasi; capaian internet"),
    ("public_wifi", "free public Wi-Fi",
     "wi-fi; wifi; free wifi; public wifi; hotspot; wireless internet; internet access point; "
     "free internet; public internet; ไวไฟ; wifi miễn phí; wifi công cộng; wifi gratis; wifi publik; "
     "libreng wifi; វ៉ាយហ្វាយ; ໄວໄຟ"),
    ("street_lighting", "smart street lighting",
     "street light; street lighting; streetlight; LED lighting; LED street light; lamp post; dimming; "
     "ไฟส่องสว่าง; ไฟถนน; chiếu sáng công cộng; đèn đường; chiếu sáng đô thị; lampu jalan; "
     "penerangan jalan; PJU; ភ្លើងបំភ្លឺផ្លូវ; ໄຟທາງ; လမ်းမီး"),
    ("smart_poles", "smart poles and multi-function lamp posts",
     "smart pole; smart lamppost; multifunction pole; multi-function pole; เสาอัจฉริยะ; เสาไฟอัจฉริยะ; "
     "trụ đèn thông minh; tiang pintar"),
    # Further mobility, health, digital-government and economy concepts
    ("public_transport", "public transport and mass transit",
     "public transport; public transportation; mass transit; public transit; mass transport; modal share; "
     "modal shift; first last mile; first and last mile; transit-oriented development; TOD; ขนส่งสาธารณะ; "
     "ขนส่งมวลชน; giao thông công cộng; vận tải công cộng; vận tải hành khách công cộng; transportasi umum; "
     "angkutan umum; transportasi publik; angkutan massal; pengangkutan awam; ដឹកជញ្ជូនសាធារណៈ; "
     "ຂົນສົ່ງສາທາລະນະ; pampublikong transportasyon"),
    ("road_safety", "road safety and traffic accidents",
     "road safety; road accident; traffic accident; road crash; accident blackspot; black spot; "
     "ความปลอดภัยทางถนน; อุบัติเหตุทางถนน; อุบัติเหตุจราจร; an toàn giao thông; tai nạn giao thông; "
     "keselamatan jalan; kecelakaan lalu lintas; keselamatan jalan raya; kemalangan jalan raya; "
     "គ្រោះថ្នាក់ចរាចរណ៍; ອຸບັດຕິເຫດທາງຖະໜົນ; ယာဉ်မတော်တဆမှု; kaligtasan sa kalsada"),
    ("elderly", "elderly people and ageing society",
     "elderly; older people; older person; older adult; senior citizen; ageing population; "
     "aging population; ageing society; aging society; aged society; ผู้สูงอายุ; สังคมผู้สูงวัย; "
     "người cao tuổi; người già; lansia; lanjut usia; warga emas; warga senior; មនុស្សចាស់; ຜູ້ສູງອາຍຸ; "
     "သက်ကြီးရွယ်အို; nakatatanda"),
    ("health_services", "health services, clinics and medical hubs",
     "medical hub; medical centre; smart health; smart hospital; healthcare; health care; health service; "
     "health centre; health facility; primary care; primary health care; public health; clinic; "
     "ศูนย์กลางการแพทย์; สาธารณสุข; บริการสุขภาพ; โรงพยาบาลอัจฉริยะ; y tế thông minh; bệnh viện thông minh; "
     "dịch vụ y tế; chăm sóc sức khỏe; trạm y tế; layanan kesehatan; pelayanan kesehatan; puskesmas; "
     "fasilitas kesehatan; kesehatan pintar; perkhidmatan kesihatan; klinik kesihatan; សុខាភិបាល; "
     "ສາທາລະນະສຸກ; ကျန်းမာရေးစောင့်ရှောက်မှု; pangangalagang pangkalusugan"),
    ("epidemic", "epidemic control, contact tracing and vaccination",
     "contact tracing; contact-tracing; vaccination; vaccine; immunisation; immunization; pandemic; "
     "epidemic; covid; covid-19; outbreak; disease surveillance; dengue; โรคระบาด; ฉีดวัคซีน; วัคซีน; "
     "โควิด; ไข้เลือดออก; truy vết; tiêm chủng; vắc xin; dịch bệnh; phòng chống dịch; sốt xuất huyết; "
     "pelacakan kontak; vaksinasi; vaksin; pandemi; wabah; demam berdarah; pengesanan kontak; pandemik; "
     "wabak; imunisasi; វ៉ាក់សាំង; ວັກຊີນ; ကာကွယ်ဆေး; bakuna; pagbabakuna"),
    ("nutrition", "child nutrition and stunting",
     "stunting; malnutrition; child nutrition; undernutrition; maternal and child health; posyandu; "
     "gizi buruk; tengkes; pencegahan stunting; suy dinh dưỡng; thấp còi; ทุพโภชนาการ; malnutrisyon"),
    ("digital_inclusion", "digital inclusion and the digital divide",
     "digital inclusion; digital divide; digitally excluded; inclusive digital; ความเหลื่อมล้ำทางดิจิทัล; "
     "khoảng cách số; inklusi digital; kesenjangan digital; jurang digital; keterangkuman digital"),
    ("online_safety", "online safety, scams and online harms",
     "online safety; online harm; cyberbullying; cyber-bullying; deepfake; online scam; online fraud; scam; "
     "misinformation; fake news; ข่าวปลอม; มิจฉาชีพออนไลน์; lừa đảo trực tuyến; tin giả; penipuan online; "
     "penipuan daring; hoaks; berita palsu; penipuan dalam talian"),
    ("data_protection", "personal data protection and privacy",
     "data protection; personal data protection; privacy; data privacy; personal data; PDPA; "
     "คุ้มครองข้อมูลส่วนบุคคล; ข้อมูลส่วนบุคคล; bảo vệ dữ liệu cá nhân; dữ liệu cá nhân; "
     "pelindungan data pribadi; perlindungan data pribadi; data pribadi; perlindungan data peribadi"),
    ("gov_network", "government network and intranet linking agencies",
     "government network; government intranet; government service network; shared government network; "
     "government wide area network; GovNet; network linking government agencies; เครือข่ายภาครัฐ; "
     "mạng truyền số liệu chuyên dùng; mạng diện rộng; jaringan intra pemerintah; intranet pemerintah; "
     "rangkaian kerajaan"),
    ("interoperability", "interoperability, data exchange and API gateways",
     "interoperability; interoperable; API gateway; data exchange; government service bus; "
     "enterprise service bus; แลกเปลี่ยนข้อมูล; เชื่อมโยงข้อมูล; liên thông dữ liệu; trục liên thông; "
     "kết nối liên thông; interoperabilitas; pertukaran data; kebolehoperasian"),
    ("digital_economy", "digital economy",
     "digital economy; เศรษฐกิจดิจิทัล; kinh tế số; ekonomi digital; សេដ្ឋកិច្ចឌីជីថល; ເສດຖະກິດດິຈິຕອນ; "
     "ekonomiyang digital"),
    ("innovation_zone", "innovation districts, technology parks and economic zones",
     "innovation district; smart district; digital district; technology park; tech park; science park; "
     "digital park; special economic zone; economic corridor; high-tech zone; เขตเศรษฐกิจพิเศษ; "
     "เขตนวัตกรรม; อุทยานวิทยาศาสตร์; khu công nghệ cao; khu kinh tế; công viên phần mềm; "
     "kawasan ekonomi khusus; taman teknologi; taman sains; zon ekonomi khas; តំបន់សេដ្ឋកិច្ចពិសេស; "
     "ເຂດເສດຖະກິດພິເສດ"),
)
