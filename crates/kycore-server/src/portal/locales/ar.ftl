# The portal's texts in Modern Standard Arabic, shown right to left. Every message of en.ftl
# must be here, with the same variables (a test checks). Phone numbers start with U+200E
# (left-to-right mark) so that their "+" stays in front of the digits.

language-name = العربية
site-title = التحقق من الهوية
switch-language = اللغة
progress = الخطوة { $current } من { $total }
required-hint = جميع الحقول مطلوبة ما لم يُشَر إلى أنها اختيارية.
optional = اختياري

button-continue = متابعة
button-save = حفظ ومتابعة
button-upload = رفع ومتابعة
button-submit = إرسال
button-change = تغيير
button-back = رجوع
button-verify-here = التحقق الآن، هنا
button-send-link = إرسال رابط خاص بهذا الشخص
button-add-person = إضافة هذا الشخص
button-remove = إزالة
button-use-document = استخدام هذه الوثيقة

step-consent = قبل البدء
step-personal_details = بياناتك
step-identity_document = وثيقة الهوية
step-selfie = صورة لوجهك
step-proof_of_address = إثبات العنوان
step-company_details = بيانات الشركة
step-company_documents = مستندات الشركة
step-related_persons = المالكون والمديرون
step-review = المراجعة والإرسال

consent-intro = تحتاج { $organization } إلى التأكد من هويتك قبل أن تتمكن من تقديم خدماتها لك.
consent-what = سنطلب منك بياناتك وصورًا لوثائقك. تُحفظ هذه المعلومات مشفّرة ولا تُستخدم إلا لهذا التحقق.
consent-time = يستغرق ذلك نحو 5 دقائق. يمكنك التوقف في أي وقت والمتابعة لاحقًا باستخدام الرابط نفسه، على هذا الجهاز أو على جهاز آخر.
consent-checkbox = أوافق على استخدام معلوماتي لأغراض هذا التحقق
consent-intro-business = تحتاج { $organization } إلى التحقق من منشأتك ووثائقها والأشخاص الذين يملكونها أو يديرونها.

field-first_name = الاسم الأول
field-middle_name = الأسماء الوسطى
field-last_name = اسم العائلة
field-date_of_birth = تاريخ الميلاد
hint-date = مثال: 31 مارس 1990
date-long = { $day } { $month ->
    [1] يناير
    [2] فبراير
    [3] مارس
    [4] أبريل
    [5] مايو
    [6] يونيو
    [7] يوليو
    [8] أغسطس
    [9] سبتمبر
    [10] أكتوبر
    [11] نوفمبر
   *[12] ديسمبر
} { $year }
field-nationality = الجنسية
field-email = البريد الإلكتروني
field-phone = رقم الهاتف
hint-phone = مع رمز البلد، مثل ‎+971 50 123 4567
field-address-line1 = الشارع ورقم المبنى
field-address-line2 = الشقة، الطابق
field-address-city = المدينة
field-address-postal_code = الرمز البريدي
field-address-country = البلد
legend-address = عنوان السكن
choose = يُرجى الاختيار…

field-legal_name = الاسم المسجَّل للشركة
field-registration_number = رقم التسجيل
field-business-country = بلد التأسيس
field-state = الولاية أو المنطقة
field-lei = رمز الكيان القانوني (LEI)
hint-lei = معرّف الكيان القانوني المكوَّن من 20 حرفًا ورقمًا، إن كان للشركة معرّف
field-vat_number = رقم ضريبة القيمة المضافة
field-website = الموقع الإلكتروني
legend-business-address = العنوان المسجَّل

idoc-type = ما الوثيقة التي ستستخدمها؟
idoc-country = البلد الذي أصدرها
doc-passport = جواز السفر
doc-id-card = بطاقة الهوية
doc-driver-license = رخصة القيادة
doc-residence-permit = تصريح الإقامة
idoc-chosen = { $document } من { $country }
idoc-front = صورة الوجه الأمامي
idoc-front-passport = صورة الصفحة التي تحمل صورتك
idoc-back = صورة الوجه الخلفي
idoc-number = رقم الوثيقة
idoc-number-hint = كما هو مطبوع على الوثيقة، مثل الرقم الوارد في الحقل 5 من رخصة القيادة.
idoc-expiry = تاريخ انتهاء الصلاحية
idoc-expiry-hint = آخر تاريخ تكون فيه الوثيقة صالحة، مثل ما يرد في الحقل 4b من رخصة القيادة.
idoc-mrz = الأسطر في أسفل الوثيقة
idoc-mrz-hint = في جوازات السفر سطران من الحروف والأرقام والعلامات < تحت الصورة، وفي بطاقات الهوية 3 أسطر على الوجه الخلفي. اكتبها كما هي تمامًا، كل سطر في صف مستقل.
idoc-read-title = ما قرأناه من وثيقتك
idoc-read-hint = تحقّق من أنه يطابق وثيقتك. إن كان هناك خطأ، فارفع صورة أوضح.
idoc-read-surname = اسم العائلة
idoc-read-given-names = الأسماء الأولى
idoc-read-number = رقم الوثيقة
idoc-read-birth = تاريخ الميلاد
idoc-read-expiry = صالحة حتى
idoc-read-nationality = الجنسية
idoc-unread = لم نتمكن من قراءة الأسطر في أسفل وثيقتك. ارفع صورة أوضح في إضاءة جيدة ومن دون انعكاس، أو اكتب الأسطر أدناه وأرسل الصورة معها.
upload-hint = ملف JPEG أو PNG أو PDF، بحجم أقصاه { $mb } ميغابايت. إضاءة جيدة، والزوايا الأربع ظاهرة، ومن دون انعكاسات.
upload-hint-photo = ملف JPEG أو PNG، بحجم أقصاه { $mb } ميغابايت.
attempts-left = { $count ->
    [zero] لم يعد بإمكانك رفع هذا الملف.
    [one] يمكنك رفع هذا الملف مرة واحدة أخرى.
    [two] يمكنك رفع هذا الملف مرتين أخريين.
    [few] يمكنك رفع هذا الملف { $count } مرات أخرى.
   *[other] يمكنك رفع هذا الملف { $count } مرة أخرى.
}

selfie-hint = انظر مباشرة إلى الكاميرا، من دون قبعة أو نظارة شمسية، في إضاءة جيدة.
selfie-file = صورتك
poa-hint = فاتورة خدمات أو كشف حساب مصرفي أو رسالة من جهة حكومية، لا يزيد عمرها على 3 أشهر، يظهر فيها اسمك وعنوانك.
poa-file = مستندك
cdoc-hint = ارفع كل مستند بصيغة PDF أو كصورة واضحة.
cdoc-certificate-of-incorporation = شهادة التأسيس
cdoc-register-extract = مستخرج من السجل التجاري
cdoc-company-proof-of-address = إثبات عنوان الشركة
cdoc-articles-of-association = النظام الأساسي للشركة
cdoc-shareholder-register = سجل المساهمين

rp-intro = اذكر كل شخص يملك 25% أو أكثر من الشركة، وكذلك مديريها. يؤكد كل منهم هويته: هنا الآن، أو عبر رابط خاص به.
rp-none = لم تتم إضافة أي شخص بعد.
rp-add-heading = إضافة شخص
rp-role = الصفة
role-ubo = المستفيد الحقيقي
role-director = مدير
role-representative = ممثل
role-signatory = مفوَّض بالتوقيع
field-ownership_percent = نسبة الملكية (%)
rp-owns = حصة الملكية: { $percent }%
rp-how = كيف سيتم التحقق من هوية { $name }؟
rp-link-for = أرسل هذا الرابط إلى { $name }:
rp-verification = التحقق من الهوية: { $status }
rp-verified-here = تم التحقق هنا

review-intro = راجع إجاباتك. يمكنك تغيير أي شيء قبل الإرسال.
review-documents = المستندات
review-consent = تمت الموافقة
review-not-done = لم يكتمل بعد
review-confirm = بإرسال هذه المعلومات، تؤكد أنها صحيحة وكاملة.

status-created = لم يبدأ
status-in_progress = قيد التنفيذ
status-submitted = تم الإرسال
status-processing = قيد الفحص
status-in_review = قيد المراجعة
status-approved = تم التحقق
status-rejected = لم يتم التحقق
status-resubmission_requested = مطلوب مزيد من المعلومات
status-expired = منتهي الصلاحية
status-canceled = ملغى

finished-submitted-heading = شكرًا لك
finished-submitted = أُرسلت معلوماتك وهي قيد الفحص الآن. يمكنك إغلاق هذه الصفحة.
finished-approved-heading = تم التحقق من هويتك
finished-approved = أُبلغت الشركة التي طلبت هذا التحقق. يمكنك إغلاق هذه الصفحة.
finished-rejected-heading = انتهى التحقق
finished-rejected = أُبلغت الشركة التي طلبت هذا التحقق بالنتيجة. تواصل معها إن كانت لديك أسئلة.
finished-closed-heading = هذا التحقق مغلق
finished-closed = إذا كنت لا تزال بحاجة إلى التحقق من هويتك، فاطلب رابطًا جديدًا من الشركة التي أرسلت إليك الرابط.
finished-status = الحالة: { $status }
finished-return = العودة إلى موقع الشركة

link-invalid-heading = هذا الرابط لا يعمل
link-invalid = تأكد من أنك فتحت الرابط كاملًا، أو اطلب رابطًا جديدًا من الشركة التي أرسلته.
link-expired-heading = انتهت صلاحية هذا الرابط
link-expired = حفاظًا على أمانك، لا تعمل روابط التحقق إلا لمدة محدودة. اطلب رابطًا جديدًا من الشركة التي أرسلته.
link-revoked-heading = تم استبدال هذا الرابط
link-revoked = أُرسل رابط أحدث لهذا التحقق. يُرجى استخدام أحدث رابط.
link-foreign-heading = هذا الرابط لا ينتمي إلى هنا
link-foreign = فُتح الرابط ببيانات شركة أخرى أو بيئة أخرى. اطلب رابطًا جديدًا من الشركة التي أرسلته.
link-unavailable-heading = لا يمكننا فتح عملية التحقق الخاصة بك الآن
link-unavailable = يُرجى المحاولة مرة أخرى بعد بضع دقائق.
session-missing-heading = افتح الرابط مرة أخرى
session-missing = للمتابعة، افتح رابط التحقق الذي أُرسل إليك. تم حفظ تقدمك.
step-missing-heading = الصفحة غير موجودة
step-missing = لا تتضمن عملية التحقق هذه خطوة كهذه.

error-summary = توجد مشكلة
error-required = أدخل هذه المعلومة.
error-invalid_date = أدخل تاريخًا صحيحًا، مثل 31 مارس 1990.
error-invalid_country = اختر بلدًا من القائمة.
error-invalid_email = أدخل عنوان بريد إلكتروني مثل name@example.com.
error-invalid_phone = أدخل رقم هاتف مع رمز البلد، مثل ‎+971 50 123 4567.
error-invalid_format = تحقق من صيغة هذه الإجابة.
error-invalid_characters = احذف الأحرف غير المعتادة.
error-too_long = هذه الإجابة طويلة جدًا.
error-out_of_range = أدخل رقمًا من 0 إلى 100.
error-missing_file = اختر ملفًا.
error-file_too_large = حجم الملف أكبر من { $mb } ميغابايت. اختر ملفًا أصغر.
error-unsupported_file_type = اختر ملفًا بصيغة JPEG أو PNG أو PDF. على iPhone، تُرسَل الصور الملتقطة هنا بصيغة JPEG.
error-image_too_small = الصورة أصغر من أن تُقرأ. التقطها من مسافة أقرب وفي إضاءة جيدة.
error-blank_image = تبدو الصورة فارغة. التقطها مرة أخرى بحيث تظهر الوثيقة.
error-unreadable_image = تعذّرت قراءة هذه الصورة. التقط الصورة مرة أخرى.
error-no_face = لا يظهر أي وجه في صورة السيلفي. التقطها مرة أخرى وأنت تنظر إلى الكاميرا في إضاءة جيدة.
error-several_faces = تظهر في صورة السيلفي أكثر من وجه واحد. التقطها مرة أخرى بوجهك وحدك.
error-unreadable_pdf = تعذّرت قراءة ملف PDF هذا. اختر ملفًا آخر.
error-polyglot_file = يخفي هذا الملف بداخله نوعًا آخر من الملفات. التقط صورة جديدة أو امسح الوثيقة ضوئيًا من جديد وأرسلها.
error-pdf_active_content = يحتوي ملف PDF هذا على برامج نصية أو إجراءات. احفظه من جديد من دونها (مثلًا بطباعته إلى ملف PDF جديد)، أو أرسل صورة.
error-pdf_embedded_file = أُرفقت بملف PDF هذا ملفات أخرى. أرسل ملف PDF من دون مرفقات، أو صورة.
error-pdf_not_checkable = لا يمكن فحص أمان ملف PDF هذا. أرسل صورة للوثيقة، أو ملف PDF أبسط.
error-invalid_check_digit = أحد أرقام التحقق غير مطابق: من المرجّح أن أحد الأحرف كُتب خطأً. قارن كل حرف بما في الوثيقة.
error-invalid_website = أدخل عنوان الموقع كاملًا بدءًا بـ https://، مثل https://example.com.
error-invalid_length = عدد أحرف هذه الإجابة أكثر أو أقل من اللازم. قارنها بالوثيقة.
error-invalid_character = احذف الأحرف التي لا يمكن أن يحتويها هذا النوع من الأرقام.
error-invalid_component = جزء من هذا الرقم غير موجود فعليًا. قارنه بالوثيقة.
error-unknown_country = اختر بلدًا من القائمة.
error-invalid_number = هذا ليس رقم هاتف ممكنًا. أضف رمز البلد، مثل ‎+971 50 123 4567.
error-name_contains_digits = تحتوي أسطر الاسم على أرقام. يسهل الخلط بين الحروف O وI وS وB والأرقام 0 و1 و5 و8: تحقق منها.
error-document_expired = انتهت صلاحية هذه الوثيقة. استخدم وثيقة لا تزال سارية.
error-invalid_mrz = لا يمكن قراءة هذه الأسطر على أنها أسطر وثيقة هوية. تحقق من كل حرف، ومن أن كل سطر في صف مستقل.
error-attempts_exhausted = استنفدت جميع مرات الرفع المسموح بها لهذه الوثيقة. تواصل مع الشركة التي أرسلت إليك الرابط.
error-consent_required = ضع علامة في المربع للمتابعة.
error-rate_limited = عدد كبير جدًا من عمليات الرفع في وقت قصير. انتظر دقيقة ثم حاول مرة أخرى.
error-form_expired = انتهت صلاحية هذا النموذج. يُرجى إرساله مرة أخرى.
error-steps_unfinished = أكمل أولًا الخطوات التي عليها علامة «لم يكتمل بعد».
error-owner_or_director_required = أضف مستفيدًا حقيقيًا واحدًا أو مديرًا واحدًا على الأقل.
error-ownership_over_100 = مجموع حصص الملكية يتجاوز 100%.
error-verification_not_started = اختر الطريقة التي سيؤكد بها هذا الشخص هويته.
error-verification_started = بدأ التحقق من هوية هذا الشخص بالفعل، لذا لا يمكن إزالته.
error-case_not_awaiting_applicant = أُرسلت عملية التحقق هذه من قبل.
error-link_replaced = أُرسل رابط أحدث لهذا التحقق. يُرجى استخدام أحدث رابط.
error-concurrent_modification = غيّر أحدهم هذا في الوقت نفسه، في نافذة أو علامة تبويب أخرى. تحقق من الصفحة وأرسلها مرة أخرى.
error-generic = تحقق من هذه الإجابة.

# Second pass: what is needed, progress, kept files, expired forms, branding, reasons
progress-label = مدى تقدّمك
progress-done = مكتملة
need-title = ما ستحتاج إليه
need-identity_document = وثيقة هوية سارية المفعول: جواز سفر أو بطاقة هوية أو رخصة قيادة أو تصريح إقامة
need-selfie = هاتف أو حاسوب مزوّد بكاميرا لالتقاط صورة لوجهك
need-proof_of_address = وثيقة حديثة تُظهر عنوانك، مثل فاتورة خدمات أو كشف حساب مصرفي
need-company_details = رقم تسجيل الشركة وعنوانها المسجّل
need-company_documents = وثائق الشركة التالية، بصيغة PDF أو صورة: { $documents }
need-related_persons = أسماء المالكين والمديرين وتواريخ ميلادهم وجنسياتهم؛ ويؤكد كلٌّ منهم هويته بنفسه
uploaded-keep = لدينا هذا الملف. يمكنك الاحتفاظ به، أو اختيار ملف آخر ليحلّ محلّه.
button-keep = الاحتفاظ بهذه الملفات والمتابعة
button-replace = استبدال
expired-form-heading = انتهت صلاحية الرابط بينما كانت هذه الصفحة مفتوحة
expired-form = حرصًا على أمانك، تعمل الروابط لمدة محدودة. لم يُحفظ ما أدخلته في هذه الصفحة، ولم تُرسل الملفات التي اخترتها. تبقى الخطوات التي أكملتها من قبل محفوظة لمدة أسبوع: اطلب رابطًا جديدًا من الشركة التي أرسلت إليك هذا الرابط، وستتابع من حيث توقفت.
expired-form-typed = ما أدخلته في هذه الصفحة، لتحتفظ بنسخة منه
error-unsupported_photo_type = اختر صورة: ملفًا بصيغة JPEG أو PNG. لا يمكن استخدام ملف PDF هنا.
brand-controller = الجهة المسؤولة عن بياناتك هي { $controller }.
brand-privacy = كيف تُستخدم بياناتك (إشعار الخصوصية)
brand-support = هل لديك أسئلة؟
again-title = نحتاج إلى هذه الخطوة مرة أخرى
again-generic = تعذّر قبول شيء ما في هذه الخطوة. يُرجى إعادتها.
again-note = كتبت { $organization }:
reason-document_unreadable = تعذّرت قراءة صورة الوثيقة. التقطها مرة أخرى في إضاءة جيدة، مع ظهور الوثيقة كاملة.
reason-document_expired = كانت الوثيقة منتهية الصلاحية. استخدم وثيقة لا تزال سارية.
reason-document_expired_after_submission = انتهت صلاحية الوثيقة أثناء التحقق منها. استخدم وثيقة لا تزال سارية.
reason-document_mismatch = الوثيقة لا تطابق البيانات التي أدخلتها.
reason-document_duplicate = سبق استخدام هذه الوثيقة في عملية تحقق أخرى.
reason-document_invalid = تعذّر التأكد من صحة الوثيقة مما أُرسل.
reason-document_not_open = صُوّر جواز السفر وهو مغلق. صوّر الصفحة التي تحمل صورتك.
reason-expiry_date_missing = لم يُعثر على تاريخ انتهاء الصلاحية في الوثيقة.
reason-issue_date_missing = لم يُعثر على تاريخ الإصدار في الوثيقة.
reason-information_missing = هناك شيء ناقص: أحد وجهَي الوثيقة، أو تاريخ.
reason-name_mismatch = الاسم لا يطابق الوثيقة.
reason-date_of_birth_mismatch = تاريخ الميلاد لا يطابق الوثيقة.
reason-name_and_date_of_birth_mismatch = الاسم وتاريخ الميلاد لا يطابقان الوثيقة.
reason-outdated_address = إثبات العنوان قديم جدًا أو يُظهر عنوانًا آخر.
reason-other = تعذّر قبول شيء ما في هذه الوثيقة.

# E-mailed links and phone hand-off
acting-for = التحقق من { $person } لصالح { $business }
acting-progress = التحقق الخاص به: الخطوة { $current } من { $total }
acting-back = العودة إلى { $business }
button-copy-link = نسخ الرابط
link-copied = تم النسخ
button-share-link = مشاركة الرابط
button-show-qr = عرض رمز QR
button-email = إرسال بالبريد الإلكتروني
button-email-again = إعادة إرسال البريد الإلكتروني
button-back-persons = العودة إلى المالكين والمديرين
rp-email-off = إرسال البريد الإلكتروني غير مُعدّ هنا، لذا لا يمكن إرسال الرابط بالبريد. انسخه أو شاركه أو اعرض رمز QR الخاص به.
rp-email-unknown = لم يُذكر عنوان بريد إلكتروني لـ { $name }، لذا لا يمكن إرسال الرابط بالبريد. انسخه أو شاركه أو اعرض رمز QR الخاص به.
rp-email-sent = أُرسل بالبريد الإلكتروني إلى { $email } في { $date }.
rp-email-queued = جارٍ إرساله بالبريد الإلكتروني إلى { $email }.
rp-email-ready = يمكن إرسال الرابط بالبريد الإلكتروني إلى { $email }.
rp-qr-heading = رابط { $name }
rp-qr-hint = يمسح { $name } هذا الرمز بكاميرا هاتفه لفتح رابطه الخاص.
rp-qr-label = رمز QR لرابط { $name }
phone-button = المتابعة على هاتفك
phone-heading = المتابعة على هاتفك
phone-hint = امسح هذا الرمز بكاميرا هاتفك: ستُفتح عملية التحقق هذه على هاتفك، حيث يكون التقاط الصور أسهل. يعمل الرمز مرة واحدة، لمدة 10 دقائق.
phone-label = رمز QR لمتابعة عملية التحقق هذه على هاتفك
phone-type = أو اكتب هذا العنوان في متصفح هاتفك:
phone-back = البقاء على هذا الجهاز
phone-limit-heading = استخدم الرمز الذي لديك
phone-limit = هناك عدة رموز للمتابعة على الهاتف لم تُستخدم بعد. امسح أحدها، أو انتظر عشر دقائق واطلب رمزًا جديدًا.
error-email_recently_sent = أُرسل الرابط بالبريد الإلكتروني قبل لحظات. انتظر دقيقة قبل إعادة إرساله.
error-email_unknown = لا يُعرف عنوان بريد إلكتروني لهذا الشخص.
error-email_not_configured = إرسال البريد الإلكتروني غير مُعدّ هنا.
