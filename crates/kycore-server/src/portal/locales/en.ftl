# The hosted portal's English texts. Every message here must also exist in de.ftl (a test
# checks). Codes after `error-` are the stable error codes of the API.

language-name = English
site-title = Identity verification
switch-language = Language
progress = Step { $current } of { $total }
required-hint = All fields are required unless marked optional.
optional = optional

button-continue = Continue
button-save = Save and continue
button-upload = Upload and continue
button-submit = Submit
button-change = Change
button-back = Back
button-verify-here = Verify now, here
button-send-link = Send them their own link
button-add-person = Add this person
button-remove = Remove
button-use-document = Use this document

step-consent = Before you start
step-personal_details = Your details
step-identity_document = Identity document
step-selfie = Photo of your face
step-proof_of_address = Proof of address
step-company_details = Company details
step-company_documents = Company documents
step-related_persons = Owners and directors
step-review = Check and submit

consent-intro = { $organization } needs to confirm who you are before it can offer you its services.
consent-what = We will ask for your details and photos of your documents. They are stored encrypted and used only for this verification.
consent-time = It takes about 5 minutes. You can stop at any time and continue later with the same link, on this or another device.
progress-label = Your progress
progress-done = done
need-title = What you'll need
need-identity_document = An identity document that is still valid: a passport, identity card, driving licence or residence permit
need-selfie = A phone or computer with a camera, for a photo of your face
need-proof_of_address = A recent document showing your address, such as a utility bill or bank statement
need-company_details = The company's registration number and registered address
need-company_documents = These company documents, as PDFs or photos: { $documents }
need-related_persons = The names, dates of birth and nationalities of the owners and directors; each of them confirms their own identity
consent-checkbox = I agree that my information is used for this verification
consent-intro-business = { $organization } needs to verify your business, its documents and the people who own or run it.

field-first_name = First name
field-middle_name = Middle names
field-last_name = Last name
field-date_of_birth = Date of birth
hint-date = For example 31 March 1990
date-long = { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }
field-nationality = Nationality
field-email = Email
field-phone = Phone number
hint-phone = With country code, for example +46 70 123 45 67
field-address-line1 = Street address
field-address-line2 = Apartment, floor
field-address-city = Town or city
field-address-postal_code = Postcode
field-address-country = Country
legend-address = Home address
choose = Choose…

field-legal_name = Registered company name
field-registration_number = Registration number
field-business-country = Country of incorporation
field-state = State or region
field-lei = LEI
hint-lei = The 20-character Legal Entity Identifier, if the company has one
field-vat_number = VAT number
field-website = Website
legend-business-address = Registered address

idoc-type = Which document will you use?
idoc-country = Country that issued it
doc-passport = Passport
doc-id-card = Identity card
doc-driver-license = Driving licence
doc-residence-permit = Residence permit
idoc-chosen = { $document } from { $country }
idoc-front = Photo of the front
idoc-front-passport = Photo of the page with your photo
idoc-back = Photo of the back
idoc-number = Document number
idoc-number-hint = As printed on the document, for example on a driving licence the number in field 5.
idoc-expiry = Expiry date
idoc-expiry-hint = The date the document is valid until, for example on a driving licence field 4b.
idoc-mrz = The lines at the bottom
idoc-mrz-hint = Passports have 2 lines of letters, numbers and < signs under the photo; identity cards have 3 on the back. Type them exactly, one line per row.
idoc-read-title = What we read from your document
idoc-read-hint = Check that this matches your document. If something is wrong, upload a sharper photo.
idoc-read-surname = Surname
idoc-read-given-names = Given names
idoc-read-number = Document number
idoc-read-birth = Date of birth
idoc-read-expiry = Valid until
idoc-read-nationality = Nationality
idoc-unread = We could not read the lines at the bottom of your document. Upload a sharper photo in good light, without glare — or type the lines below and send the photo with them.
upload-hint = JPEG, PNG or PDF, up to { $mb } MB. Good light, all four corners visible, no glare.
upload-hint-photo = JPEG or PNG, up to { $mb } MB.
attempts-left = { $count ->
    [one] You can upload this 1 more time.
   *[other] You can upload this { $count } more times.
}
uploaded-keep = We have this file. Keep it, or choose a new one to replace it.
button-keep = Keep these files and continue
button-replace = Replace

selfie-hint = Look straight at the camera, without a hat or sunglasses, in good light.
selfie-file = Your photo
poa-hint = A utility bill, bank statement or letter from an authority, less than 3 months old, showing your name and address.
poa-file = Your document
cdoc-hint = Upload each document as a PDF or a clear photo.
cdoc-certificate-of-incorporation = Certificate of incorporation
cdoc-register-extract = Extract from the company register
cdoc-company-proof-of-address = Proof of the company's address
cdoc-articles-of-association = Articles of association
cdoc-shareholder-register = Register of shareholders

rp-intro = List every person who owns 25% or more of the company, and its directors. Each of them verifies their identity: here now, or through their own link.
rp-none = No one added yet.
rp-add-heading = Add a person
rp-role = Role
role-ubo = Beneficial owner
role-director = Director
role-representative = Representative
role-signatory = Signatory
field-ownership_percent = Share of ownership, in %
rp-owns = owns { $percent } %
rp-how = How will { $name } verify their identity?
rp-link-for = Send this link to { $name }:
rp-verification = Identity verification: { $status }
rp-verified-here = Verified here

review-intro = Check your answers. You can change anything before you submit.
review-documents = Documents
review-consent = Consent given
review-not-done = Not done yet
review-confirm = By submitting, you confirm that the information is true and complete.

status-created = Not started
status-in_progress = In progress
status-submitted = Submitted
status-processing = Being checked
status-in_review = Being reviewed
status-approved = Verified
status-rejected = Not verified
status-resubmission_requested = More information needed
status-expired = Expired
status-canceled = Canceled

finished-submitted-heading = Thank you
finished-submitted = Your information has been sent and is being checked. You can close this page.
finished-approved-heading = You are verified
finished-approved = The company that asked for this verification has been told. You can close this page.
finished-rejected-heading = Verification finished
finished-rejected = The company that asked for this verification has been told the result. Contact them if you have questions.
finished-closed-heading = This verification is closed
finished-closed = Ask the company that sent you the link for a new one if you still need to verify.
finished-status = Status: { $status }
finished-return = Return to the company's website

link-invalid-heading = This link does not work
link-invalid = Check that you opened the whole link, or ask the company that sent it for a new one.
link-expired-heading = This link has expired
link-expired = For your security, verification links work for a limited time. Ask the company that sent it for a new one.
expired-form-heading = Your link expired while this page was open
expired-form = For your security, links work for a limited time. What you entered on this page was not saved, and files you chose were not sent. The steps you finished before are kept for a week: ask the company that sent you the link for a new one, and you will continue where you stopped.
expired-form-typed = What you entered on this page, to keep a copy
link-revoked-heading = This link has been replaced
link-revoked = A newer link was sent for this verification. Please use the most recent one.
link-foreign-heading = This link does not belong here
link-foreign = The link was opened with the details of another company or environment. Ask the company that sent it for a new link.
link-unavailable-heading = We cannot open your verification right now
link-unavailable = Please try again in a few minutes.
session-missing-heading = Open your link again
session-missing = To continue, open the verification link you were sent. Your progress is saved.
step-missing-heading = Page not found
step-missing = This verification has no such step.

error-summary = There is a problem
error-required = Enter this information.
error-invalid_date = Enter a real date, for example 31 March 1990.
error-invalid_country = Choose a country from the list.
error-invalid_email = Enter an email address like name@example.com.
error-invalid_phone = Enter a phone number with its country code, like +46 70 123 45 67.
error-invalid_format = Check the format of this answer.
error-invalid_characters = Remove the unusual characters.
error-too_long = This answer is too long.
error-out_of_range = Enter a number from 0 to 100.
error-missing_file = Choose a file.
error-file_too_large = The file is larger than { $mb } MB. Choose a smaller one.
error-unsupported_file_type = Choose a JPEG, PNG or PDF file. On an iPhone, photos taken here are sent as JPEG.
error-unsupported_photo_type = Choose a photo: a JPEG or PNG file. A PDF cannot be used here.
error-image_too_small = The photo is too small to read. Take it closer, in good light.
error-blank_image = The photo looks blank. Take it again with the document in view.
error-unreadable_image = This image could not be read. Take the photo again.
error-no_face = No face can be seen in the selfie. Take it again facing the camera, in good light.
error-several_faces = The selfie shows more than one face. Take it again with only your own face in the picture.
error-unreadable_pdf = This PDF could not be read. Choose another file.
error-polyglot_file = This file hides another kind of file inside it. Take a new photo or scan and send that.
error-pdf_active_content = This PDF contains scripts or actions. Save it again without them (for example by printing it to a new PDF), or send a photo.
error-pdf_embedded_file = This PDF has other files attached. Send a PDF without attachments, or a photo.
error-pdf_not_checkable = This PDF cannot be checked for safety. Send a photo of the document, or a simpler PDF.
error-invalid_check_digit = A check digit does not match: one of the characters is probably mistyped. Compare each one with the document.
error-invalid_website = Enter the full web address, starting with https://, for example https://example.com.
error-invalid_length = This answer has too many or too few characters. Compare it with the document.
error-invalid_character = Remove the characters this kind of number cannot contain.
error-invalid_component = Part of this number is not one that exists. Compare it with the document.
error-unknown_country = Choose a country from the list.
error-invalid_number = This is not a possible phone number. Include the country code, like +46 70 123 45 67.
error-name_contains_digits = The name lines contain digits. Letters such as O, I, S and B are easily read as 0, 1, 5 and 8: check them.
error-document_expired = This document has expired. Use one that is still valid.
error-invalid_mrz = These lines cannot be read as the lines of an identity document. Check each character, and that each line is on its own row.
error-attempts_exhausted = You have used every upload allowed for this document. Contact the company that sent you the link.
error-consent_required = Tick the box to continue.
error-rate_limited = Too many uploads in a short time. Wait a minute and try again.
error-form_expired = This form has expired. Please send it again.
error-steps_unfinished = Finish the steps marked "Not done yet" first.
error-owner_or_director_required = Add at least one beneficial owner or director.
error-ownership_over_100 = The shares of ownership add up to more than 100 %.
error-verification_not_started = Choose how this person verifies their identity.
error-verification_started = This person's verification has already started, so they cannot be removed.
error-case_not_awaiting_applicant = This verification has already been submitted.
error-link_replaced = A newer link was sent for this verification. Please use the most recent one.
error-concurrent_modification = Someone changed this at the same time, in another window or tab. Check the page and send it again.
error-generic = Check this answer.

# Branding
brand-controller = Your data is controlled by { $controller }.
brand-privacy = How your data is used (privacy notice)
brand-support = Questions?

# Why a step is asked again
again-title = We need this step again
again-generic = Something in this step could not be accepted. Please go through it again.
again-note = { $organization } wrote:
reason-document_unreadable = The photo of the document could not be read. Take it again in good light, with the whole document in view.
reason-document_expired = The document had expired. Use one that is still valid.
reason-document_expired_after_submission = The document expired while it was being checked. Use one that is still valid.
reason-document_mismatch = The document does not match the details you entered.
reason-document_duplicate = This document was already used in another verification.
reason-document_invalid = The document could not be confirmed as genuine from what was sent.
reason-document_not_open = The passport was photographed closed. Photograph the page with your photo.
reason-expiry_date_missing = No expiry date could be found on the document.
reason-issue_date_missing = No issue date could be found on the document.
reason-information_missing = Something is missing: a side of the document, or a date.
reason-name_mismatch = The name does not match the document.
reason-date_of_birth_mismatch = The date of birth does not match the document.
reason-name_and_date_of_birth_mismatch = The name and the date of birth do not match the document.
reason-outdated_address = The proof of address is too old or shows another address.
reason-other = Something about this document could not be accepted.

# E-mailed links and phone hand-off
acting-for = Verifying { $person } for { $business }
acting-progress = Their verification: step { $current } of { $total }
acting-back = Back to { $business }
button-copy-link = Copy link
link-copied = Copied
button-share-link = Share link
button-show-qr = Show QR code
button-email = Send by e-mail
button-email-again = Send the e-mail again
button-back-persons = Back to owners and directors
rp-email-off = E-mail is not set up here, so the link cannot be e-mailed. Copy it, share it or show its QR code.
rp-email-unknown = No e-mail address was given for { $name }, so the link cannot be e-mailed. Copy it, share it or show its QR code.
rp-email-sent = E-mailed to { $email } on { $date }.
rp-email-queued = Being e-mailed to { $email }.
rp-email-ready = The link can be e-mailed to { $email }.
rp-qr-heading = Link for { $name }
rp-qr-hint = { $name } scans this code with their phone's camera to open their own link.
rp-qr-label = QR code of the link for { $name }
phone-button = Continue on your phone
phone-heading = Continue on your phone
phone-hint = Scan this code with your phone's camera: this verification opens on your phone, where taking the photos is easiest. The code works once, for 10 minutes.
phone-label = QR code to continue this verification on your phone
phone-type = Or type this address into your phone's browser:
phone-back = Stay on this device
phone-limit-heading = Use the code you already have
phone-limit = Several codes to continue on your phone are still waiting to be used. Scan one of them, or wait ten minutes and ask for a new one.
error-email_recently_sent = The link was e-mailed a moment ago. Wait a minute before sending it again.
error-email_unknown = No e-mail address is known for this person.
error-email_not_configured = E-mail is not set up here.
