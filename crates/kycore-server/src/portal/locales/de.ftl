# Die deutschen Texte des Portals. Jede Nachricht aus en.ftl muss hier stehen (ein Test
# prüft das).

language-name = Deutsch
site-title = Identitätsprüfung
switch-language = Sprache
progress = Schritt { $current } von { $total }
required-hint = Alle Felder sind Pflichtfelder, außer sie sind als optional markiert.
optional = optional

button-continue = Weiter
button-save = Speichern und weiter
button-upload = Hochladen und weiter
button-submit = Absenden
button-change = Ändern
button-back = Zurück
button-verify-here = Jetzt hier prüfen
button-send-link = Eigenen Link senden
button-add-person = Person hinzufügen
button-remove = Entfernen
button-use-document = Dieses Dokument verwenden

step-consent = Bevor Sie beginnen
step-personal_details = Ihre Angaben
step-identity_document = Ausweisdokument
step-selfie = Foto Ihres Gesichts
step-proof_of_address = Adressnachweis
step-company_details = Angaben zum Unternehmen
step-company_documents = Unternehmensdokumente
step-related_persons = Eigentümer und Geschäftsführung
step-review = Prüfen und absenden

consent-intro = { $organization } muss Ihre Identität bestätigen, bevor Ihnen Leistungen angeboten werden können.
consent-what = Wir fragen nach Ihren Angaben und nach Fotos Ihrer Dokumente. Sie werden verschlüsselt gespeichert und nur für diese Prüfung verwendet.
consent-time = Es dauert etwa 5 Minuten. Sie können jederzeit unterbrechen und später mit demselben Link weitermachen, auch auf einem anderen Gerät.
progress-label = Ihr Fortschritt
progress-done = erledigt
need-title = Was Sie brauchen
need-identity_document = Ein gültiges Ausweisdokument: Reisepass, Personalausweis, Führerschein oder Aufenthaltstitel
need-selfie = Ein Telefon oder Computer mit Kamera für ein Foto Ihres Gesichts
need-proof_of_address = Ein aktuelles Dokument mit Ihrer Adresse, etwa eine Rechnung oder ein Kontoauszug
need-company_details = Die Registernummer und die eingetragene Adresse des Unternehmens
need-company_documents = Diese Unternehmensdokumente, als PDF oder Foto: { $documents }
need-related_persons = Namen, Geburtsdaten und Staatsangehörigkeiten der Eigentümer und Geschäftsführer; jede dieser Personen bestätigt ihre eigene Identität
consent-checkbox = Ich bin einverstanden, dass meine Angaben für diese Prüfung verwendet werden
consent-intro-business = { $organization } muss Ihr Unternehmen, seine Dokumente und die Personen prüfen, denen es gehört oder die es leiten.

field-first_name = Vorname
field-middle_name = Weitere Vornamen
field-last_name = Nachname
field-date_of_birth = Geburtsdatum
hint-date = Zum Beispiel 31. März 1990
date-long = { $day }. { $month ->
    [1] Januar
    [2] Februar
    [3] März
    [4] April
    [5] Mai
    [6] Juni
    [7] Juli
    [8] August
    [9] September
    [10] Oktober
    [11] November
   *[12] Dezember
} { $year }
field-nationality = Staatsangehörigkeit
field-email = E-Mail
field-phone = Telefonnummer
hint-phone = Mit Landesvorwahl, zum Beispiel +49 151 2345 6789
field-address-line1 = Straße und Hausnummer
field-address-line2 = Wohnung, Etage
field-address-city = Ort
field-address-postal_code = Postleitzahl
field-address-country = Land
legend-address = Wohnadresse
choose = Bitte wählen…

field-legal_name = Eingetragener Firmenname
field-registration_number = Registernummer
field-business-country = Land der Eintragung
field-state = Bundesland oder Region
field-lei = LEI
hint-lei = Die 20-stellige Rechtsträgerkennung (Legal Entity Identifier), falls vorhanden
field-vat_number = Umsatzsteuer-Identifikationsnummer
field-website = Website
legend-business-address = Eingetragene Adresse

idoc-type = Welches Dokument verwenden Sie?
idoc-country = Ausstellendes Land
doc-passport = Reisepass
doc-id-card = Personalausweis
doc-driver-license = Führerschein
doc-residence-permit = Aufenthaltstitel
idoc-chosen = { $document } aus { $country }
idoc-front = Foto der Vorderseite
idoc-front-passport = Foto der Seite mit Ihrem Lichtbild
idoc-back = Foto der Rückseite
idoc-number = Dokumentnummer
idoc-number-hint = Wie auf dem Dokument gedruckt, zum Beispiel beim Führerschein die Nummer in Feld 5.
idoc-expiry = Gültig bis
idoc-expiry-hint = Das Datum, bis zu dem das Dokument gilt, zum Beispiel beim Führerschein Feld 4b.
idoc-mrz = Die Zeilen am unteren Rand
idoc-mrz-hint = Reisepässe haben unter dem Foto 2 Zeilen aus Buchstaben, Ziffern und <-Zeichen, Ausweise 3 auf der Rückseite. Tippen Sie sie genau ab, jede Zeile in eine eigene Zeile.
idoc-read-title = Das haben wir von Ihrem Dokument gelesen
idoc-read-hint = Prüfen Sie, ob es mit Ihrem Dokument übereinstimmt. Wenn etwas nicht stimmt, laden Sie ein schärferes Foto hoch.
idoc-read-surname = Nachname
idoc-read-given-names = Vornamen
idoc-read-number = Dokumentnummer
idoc-read-birth = Geburtsdatum
idoc-read-expiry = Gültig bis
idoc-read-nationality = Staatsangehörigkeit
idoc-unread = Wir konnten die Zeilen am unteren Rand Ihres Dokuments nicht lesen. Laden Sie ein schärferes Foto bei gutem Licht und ohne Spiegelung hoch – oder tippen Sie die Zeilen unten ab und senden Sie das Foto mit.
upload-hint = JPEG, PNG oder PDF, bis { $mb } MB. Gutes Licht, alle vier Ecken sichtbar, keine Spiegelung.
upload-hint-photo = JPEG oder PNG, bis { $mb } MB.
attempts-left = { $count ->
    [one] Sie können dies noch 1 Mal hochladen.
   *[other] Sie können dies noch { $count } Mal hochladen.
}
uploaded-keep = Diese Datei liegt uns vor. Behalten Sie sie, oder wählen Sie eine neue, um sie zu ersetzen.
button-keep = Diese Dateien behalten und weiter
button-replace = Ersetzen

selfie-hint = Schauen Sie direkt in die Kamera, ohne Hut oder Sonnenbrille, bei gutem Licht.
selfie-file = Ihr Foto
poa-hint = Eine Strom- oder Telefonrechnung, ein Kontoauszug oder ein behördliches Schreiben, nicht älter als 3 Monate, mit Ihrem Namen und Ihrer Adresse.
poa-file = Ihr Dokument
cdoc-hint = Laden Sie jedes Dokument als PDF oder als gut lesbares Foto hoch.
cdoc-certificate-of-incorporation = Gründungsurkunde
cdoc-register-extract = Handelsregisterauszug
cdoc-company-proof-of-address = Nachweis der Geschäftsadresse
cdoc-articles-of-association = Gesellschaftsvertrag
cdoc-shareholder-register = Gesellschafterliste

rp-intro = Nennen Sie alle Personen, denen 25 % oder mehr des Unternehmens gehören, und die Geschäftsführung. Jede dieser Personen bestätigt ihre Identität: jetzt hier oder über einen eigenen Link.
rp-none = Noch niemand hinzugefügt.
rp-add-heading = Person hinzufügen
rp-role = Rolle
role-ubo = Wirtschaftlich berechtigte Person
role-director = Geschäftsführung
role-representative = Vertretung
role-signatory = Zeichnungsberechtigte Person
field-ownership_percent = Anteil am Unternehmen, in %
rp-owns = hält { $percent } %
rp-how = Wie bestätigt { $name } die eigene Identität?
rp-link-for = Senden Sie diesen Link an { $name }:
rp-verification = Identitätsprüfung: { $status }
rp-verified-here = Hier geprüft

review-intro = Prüfen Sie Ihre Angaben. Vor dem Absenden können Sie alles ändern.
review-documents = Dokumente
review-consent = Einwilligung erteilt
review-not-done = Noch nicht erledigt
review-confirm = Mit dem Absenden bestätigen Sie, dass die Angaben wahr und vollständig sind.

status-created = Nicht begonnen
status-in_progress = In Bearbeitung
status-submitted = Abgesendet
status-processing = Wird geprüft
status-in_review = Wird von Hand geprüft
status-approved = Bestätigt
status-rejected = Nicht bestätigt
status-resubmission_requested = Weitere Angaben nötig
status-expired = Abgelaufen
status-canceled = Abgebrochen

finished-submitted-heading = Vielen Dank
finished-submitted = Ihre Angaben wurden gesendet und werden geprüft. Sie können diese Seite schließen.
finished-approved-heading = Ihre Identität ist bestätigt
finished-approved = Das Unternehmen, das die Prüfung angefordert hat, wurde informiert. Sie können diese Seite schließen.
finished-rejected-heading = Prüfung abgeschlossen
finished-rejected = Das Unternehmen, das die Prüfung angefordert hat, kennt das Ergebnis. Wenden Sie sich bei Fragen an das Unternehmen.
finished-closed-heading = Diese Prüfung ist geschlossen
finished-closed = Falls Sie sich noch ausweisen müssen, bitten Sie das Unternehmen um einen neuen Link.
finished-status = Status: { $status }
finished-return = Zurück zur Website des Unternehmens

link-invalid-heading = Dieser Link funktioniert nicht
link-invalid = Prüfen Sie, ob Sie den ganzen Link geöffnet haben, oder bitten Sie das Unternehmen um einen neuen.
link-expired-heading = Dieser Link ist abgelaufen
link-expired = Zu Ihrer Sicherheit gelten Prüfungslinks nur begrenzte Zeit. Bitten Sie das Unternehmen um einen neuen.
expired-form-heading = Ihr Link ist abgelaufen, während diese Seite offen war
expired-form = Aus Sicherheitsgründen gelten Links nur begrenzt. Was Sie auf dieser Seite eingegeben haben, wurde nicht gespeichert, und ausgewählte Dateien wurden nicht gesendet. Die Schritte, die Sie vorher abgeschlossen haben, bleiben eine Woche erhalten: Bitten Sie das Unternehmen, das Ihnen den Link geschickt hat, um einen neuen, und Sie machen dort weiter, wo Sie aufgehört haben.
expired-form-typed = Ihre Eingaben auf dieser Seite, zum Kopieren
link-revoked-heading = Dieser Link wurde ersetzt
link-revoked = Für diese Prüfung wurde ein neuerer Link gesendet. Bitte verwenden Sie den neuesten.
link-foreign-heading = Dieser Link gehört nicht hierher
link-foreign = Der Link wurde mit den Daten eines anderen Unternehmens oder einer anderen Umgebung geöffnet. Bitten Sie das Unternehmen um einen neuen Link.
link-unavailable-heading = Ihre Prüfung kann gerade nicht geöffnet werden
link-unavailable = Bitte versuchen Sie es in einigen Minuten erneut.
session-missing-heading = Öffnen Sie Ihren Link erneut
session-missing = Öffnen Sie den Prüfungslink, den Sie erhalten haben, um fortzufahren. Ihr Fortschritt ist gespeichert.
step-missing-heading = Seite nicht gefunden
step-missing = Diese Prüfung hat keinen solchen Schritt.

error-summary = Bitte korrigieren Sie Folgendes
error-required = Bitte ausfüllen.
error-invalid_date = Geben Sie ein gültiges Datum ein, zum Beispiel 31. März 1990.
error-invalid_country = Wählen Sie ein Land aus der Liste.
error-invalid_email = Geben Sie eine E-Mail-Adresse wie name@example.com ein.
error-invalid_phone = Geben Sie eine Telefonnummer mit Landesvorwahl ein, wie +49 151 2345 6789.
error-invalid_format = Prüfen Sie das Format dieser Angabe.
error-invalid_characters = Entfernen Sie die ungewöhnlichen Zeichen.
error-too_long = Diese Angabe ist zu lang.
error-out_of_range = Geben Sie eine Zahl von 0 bis 100 ein.
error-missing_file = Wählen Sie eine Datei.
error-file_too_large = Die Datei ist größer als { $mb } MB. Wählen Sie eine kleinere.
error-unsupported_file_type = Wählen Sie eine JPEG-, PNG- oder PDF-Datei. Auf dem iPhone hier aufgenommene Fotos werden als JPEG gesendet.
error-unsupported_photo_type = Wählen Sie ein Foto: eine JPEG- oder PNG-Datei. Ein PDF ist hier nicht möglich.
error-image_too_small = Das Foto ist zu klein, um es zu lesen. Fotografieren Sie näher und bei gutem Licht.
error-blank_image = Das Foto scheint leer zu sein. Fotografieren Sie das Dokument erneut.
error-unreadable_image = Dieses Bild kann nicht gelesen werden. Nehmen Sie das Foto erneut auf.
error-no_face = Auf dem Selfie ist kein Gesicht zu erkennen. Nehmen Sie es erneut auf, mit Blick in die Kamera und bei gutem Licht.
error-several_faces = Auf dem Selfie ist mehr als ein Gesicht zu sehen. Nehmen Sie es erneut auf, nur mit Ihrem eigenen Gesicht.
error-unreadable_pdf = Dieses PDF kann nicht gelesen werden. Wählen Sie eine andere Datei.
error-polyglot_file = In dieser Datei ist eine andere Art von Datei versteckt. Machen Sie ein neues Foto oder einen neuen Scan und senden Sie diesen.
error-pdf_active_content = Dieses PDF enthält Skripte oder Aktionen. Speichern Sie es ohne sie neu (zum Beispiel, indem Sie es in ein neues PDF drucken), oder senden Sie ein Foto.
error-pdf_embedded_file = An dieses PDF sind andere Dateien angehängt. Senden Sie ein PDF ohne Anhänge oder ein Foto.
error-pdf_not_checkable = Dieses PDF lässt sich nicht auf Sicherheit prüfen. Senden Sie ein Foto des Dokuments oder ein einfacheres PDF.
error-invalid_check_digit = Eine Prüfziffer stimmt nicht: Wahrscheinlich ist ein Zeichen vertippt. Vergleichen Sie jedes Zeichen mit dem Dokument.
error-invalid_website = Geben Sie die vollständige Webadresse mit https:// ein, zum Beispiel https://example.com.
error-invalid_length = Diese Angabe hat zu viele oder zu wenige Zeichen. Vergleichen Sie sie mit dem Dokument.
error-invalid_character = Entfernen Sie die Zeichen, die in dieser Nummer nicht vorkommen können.
error-invalid_component = Ein Teil dieser Nummer existiert so nicht. Vergleichen Sie sie mit dem Dokument.
error-unknown_country = Wählen Sie ein Land aus der Liste.
error-invalid_number = Diese Telefonnummer ist nicht möglich. Geben Sie die Landesvorwahl an, wie +49 151 2345 6789.
error-name_contains_digits = Die Namenszeilen enthalten Ziffern. Buchstaben wie O, I, S und B werden leicht als 0, 1, 5 und 8 gelesen: Prüfen Sie sie.
error-document_expired = Dieses Dokument ist abgelaufen. Verwenden Sie ein gültiges.
error-invalid_mrz = Diese Zeilen lassen sich nicht als Zeilen eines Ausweisdokuments lesen. Prüfen Sie jedes Zeichen und dass jede Zeile in einer eigenen Zeile steht.
error-attempts_exhausted = Sie haben alle erlaubten Versuche für dieses Dokument verbraucht. Wenden Sie sich an das Unternehmen, das Ihnen den Link geschickt hat.
error-consent_required = Setzen Sie das Häkchen, um fortzufahren.
error-rate_limited = Zu viele Uploads in kurzer Zeit. Warten Sie eine Minute und versuchen Sie es erneut.
error-form_expired = Dieses Formular ist abgelaufen. Bitte senden Sie es erneut.
error-steps_unfinished = Erledigen Sie zuerst die Schritte, die mit „Noch nicht erledigt“ markiert sind.
error-owner_or_director_required = Fügen Sie mindestens eine wirtschaftlich berechtigte Person oder ein Mitglied der Geschäftsführung hinzu.
error-ownership_over_100 = Die Anteile ergeben zusammen mehr als 100 %.
error-verification_not_started = Wählen Sie, wie diese Person ihre Identität bestätigt.
error-verification_started = Die Prüfung dieser Person hat bereits begonnen; sie kann nicht entfernt werden.
error-case_not_awaiting_applicant = Diese Prüfung wurde bereits abgesendet.
error-link_replaced = Für diese Prüfung wurde ein neuerer Link gesendet. Bitte verwenden Sie den neuesten.
error-concurrent_modification = Dies wurde zur gleichen Zeit in einem anderen Fenster oder Tab geändert. Prüfen Sie die Seite und senden Sie sie erneut.
error-generic = Prüfen Sie diese Angabe.

# Branding
brand-controller = Verantwortlich für Ihre Daten: { $controller }.
brand-privacy = Wie Ihre Daten verwendet werden (Datenschutzhinweis)
brand-support = Fragen?

# Why a step is asked again
again-title = Wir brauchen diesen Schritt noch einmal
again-generic = Etwas in diesem Schritt konnte nicht akzeptiert werden. Bitte gehen Sie ihn noch einmal durch.
again-note = { $organization } schreibt:
reason-document_unreadable = Das Foto des Dokuments war nicht lesbar. Fotografieren Sie es noch einmal bei gutem Licht und vollständig.
reason-document_expired = Das Dokument war abgelaufen. Verwenden Sie ein gültiges.
reason-document_expired_after_submission = Das Dokument ist während der Prüfung abgelaufen. Verwenden Sie ein gültiges.
reason-document_mismatch = Das Dokument passt nicht zu Ihren Angaben.
reason-document_duplicate = Dieses Dokument wurde bereits in einer anderen Prüfung verwendet.
reason-document_invalid = Die Echtheit des Dokuments ließ sich anhand der Angaben nicht bestätigen.
reason-document_not_open = Der Reisepass wurde geschlossen fotografiert. Fotografieren Sie die Seite mit Ihrem Foto.
reason-expiry_date_missing = Auf dem Dokument wurde kein Ablaufdatum gefunden.
reason-issue_date_missing = Auf dem Dokument wurde kein Ausstellungsdatum gefunden.
reason-information_missing = Etwas fehlt: eine Seite des Dokuments oder ein Datum.
reason-name_mismatch = Der Name stimmt nicht mit dem Dokument überein.
reason-date_of_birth_mismatch = Das Geburtsdatum stimmt nicht mit dem Dokument überein.
reason-name_and_date_of_birth_mismatch = Name und Geburtsdatum stimmen nicht mit dem Dokument überein.
reason-outdated_address = Der Adressnachweis ist zu alt oder zeigt eine andere Adresse.
reason-other = Etwas an diesem Dokument konnte nicht akzeptiert werden.

# E-mailed links and phone hand-off
acting-for = Prüfung von { $person } für { $business }
acting-progress = Diese Prüfung: Schritt { $current } von { $total }
acting-back = Zurück zu { $business }
button-copy-link = Link kopieren
link-copied = Kopiert
button-share-link = Link teilen
button-show-qr = QR-Code zeigen
button-email = Per E-Mail senden
button-email-again = E-Mail erneut senden
button-back-persons = Zurück zu Eigentümern und Geschäftsführern
rp-email-off = Der E-Mail-Versand ist hier nicht eingerichtet, daher kann der Link nicht gemailt werden. Kopieren oder teilen Sie ihn, oder zeigen Sie seinen QR-Code.
rp-email-unknown = Für { $name } wurde keine E-Mail-Adresse angegeben, daher kann der Link nicht gemailt werden. Kopieren oder teilen Sie ihn, oder zeigen Sie seinen QR-Code.
rp-email-sent = Am { $date } per E-Mail an { $email } gesendet.
rp-email-queued = Wird per E-Mail an { $email } gesendet.
rp-email-ready = Der Link kann per E-Mail an { $email } gesendet werden.
rp-qr-heading = Link für { $name }
rp-qr-hint = { $name } scannt diesen Code mit der Kamera des Telefons, um den eigenen Link zu öffnen.
rp-qr-label = QR-Code des Links für { $name }
phone-button = Auf dem Telefon weitermachen
phone-heading = Auf dem Telefon weitermachen
phone-hint = Scannen Sie diesen Code mit der Kamera Ihres Telefons: Diese Prüfung öffnet sich auf dem Telefon, wo die Fotos am einfachsten gelingen. Der Code gilt einmal, 10 Minuten lang.
phone-label = QR-Code, um diese Prüfung auf dem Telefon fortzusetzen
phone-type = Oder geben Sie diese Adresse im Browser Ihres Telefons ein:
phone-back = Auf diesem Gerät bleiben
phone-limit-heading = Verwenden Sie den Code, den Sie schon haben
phone-limit = Mehrere Codes zum Weitermachen auf dem Telefon warten noch darauf, verwendet zu werden. Scannen Sie einen davon, oder warten Sie zehn Minuten und fordern Sie einen neuen an.
error-email_recently_sent = Der Link wurde gerade erst gemailt. Warten Sie eine Minute, bevor Sie ihn erneut senden.
error-email_unknown = Für diese Person ist keine E-Mail-Adresse bekannt.
error-email_not_configured = Der E-Mail-Versand ist hier nicht eingerichtet.
