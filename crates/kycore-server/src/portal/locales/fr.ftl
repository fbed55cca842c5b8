# Les textes français du portail. Chaque message de en.ftl doit figurer ici, avec les mêmes
# variables (un test le vérifie). Registre formel : on vouvoie la personne.

language-name = Français
site-title = Vérification d'identité
switch-language = Langue
progress = Étape { $current } sur { $total }
required-hint = Tous les champs sont obligatoires, sauf ceux marqués comme facultatifs.
optional = facultatif

button-continue = Continuer
button-save = Enregistrer et continuer
button-upload = Envoyer et continuer
button-submit = Envoyer
button-change = Modifier
button-back = Retour
button-verify-here = Vérifier maintenant, ici
button-send-link = Lui envoyer son propre lien
button-add-person = Ajouter cette personne
button-remove = Retirer
button-use-document = Utiliser ce document

step-consent = Avant de commencer
step-personal_details = Vos informations personnelles
step-identity_document = Pièce d'identité
step-selfie = Photo de votre visage
step-proof_of_address = Justificatif de domicile
step-company_details = Informations sur l'entreprise
step-company_documents = Documents de l'entreprise
step-related_persons = Propriétaires et dirigeants
step-review = Vérifier et envoyer

consent-intro = { $organization } doit confirmer votre identité avant de pouvoir vous proposer ses services.
consent-what = Nous allons vous demander vos coordonnées et des photos de vos documents. Elles sont conservées chiffrées et utilisées uniquement pour cette vérification.
consent-time = Cela prend environ 5 minutes. Vous pouvez vous arrêter à tout moment et reprendre plus tard avec le même lien, sur cet appareil ou sur un autre.
consent-checkbox = J'accepte que mes informations soient utilisées pour cette vérification
consent-intro-business = { $organization } doit vérifier votre entreprise, ses documents et les personnes qui la détiennent ou la dirigent.

field-first_name = Prénom
field-middle_name = Autres prénoms
field-last_name = Nom de famille
field-date_of_birth = Date de naissance
hint-date = Par exemple : 31 mars 1990
date-long = { $day } { $month ->
    [1] janvier
    [2] février
    [3] mars
    [4] avril
    [5] mai
    [6] juin
    [7] juillet
    [8] août
    [9] septembre
    [10] octobre
    [11] novembre
   *[12] décembre
} { $year }
field-nationality = Nationalité
field-email = Adresse e-mail
field-phone = Numéro de téléphone
hint-phone = Avec l'indicatif du pays, par exemple +33 6 12 34 56 78
field-address-line1 = Numéro et nom de rue
field-address-line2 = Appartement, étage
field-address-city = Ville
field-address-postal_code = Code postal
field-address-country = Pays
legend-address = Adresse du domicile
choose = Choisissez…

field-legal_name = Dénomination sociale
field-registration_number = Numéro d'immatriculation
field-business-country = Pays d'immatriculation
field-state = État ou région
field-lei = LEI
hint-lei = L'identifiant d'entité juridique (Legal Entity Identifier) à 20 caractères, si l'entreprise en a un
field-vat_number = Numéro de TVA
field-website = Site web
legend-business-address = Adresse du siège

idoc-type = Quel document allez-vous utiliser ?
idoc-country = Pays qui l'a délivré
doc-passport = Passeport
doc-id-card = Carte d'identité
doc-driver-license = Permis de conduire
doc-residence-permit = Titre de séjour
idoc-chosen = { $document } – { $country }
idoc-front = Photo du recto
idoc-front-passport = Photo de la page avec votre photo
idoc-back = Photo du verso
idoc-number = Numéro du document
idoc-number-hint = Tel qu'il est imprimé sur le document, par exemple sur un permis de conduire le numéro de la rubrique 5.
idoc-expiry = Date d'expiration
idoc-expiry-hint = La date jusqu'à laquelle le document est valable, par exemple sur un permis de conduire la rubrique 4b.
idoc-mrz = Les lignes en bas du document
idoc-mrz-hint = Les passeports ont 2 lignes de lettres, de chiffres et de signes < sous la photo ; les cartes d'identité en ont 3 au verso. Recopiez-les exactement, une ligne par rangée.
idoc-read-title = Ce que nous avons lu sur votre document
idoc-read-hint = Vérifiez que cela correspond à votre document. Si quelque chose est faux, envoyez une photo plus nette.
idoc-read-surname = Nom
idoc-read-given-names = Prénoms
idoc-read-number = Numéro du document
idoc-read-birth = Date de naissance
idoc-read-expiry = Valable jusqu'au
idoc-read-nationality = Nationalité
idoc-unread = Nous n'avons pas pu lire les lignes en bas de votre document. Envoyez une photo plus nette, bien éclairée et sans reflet — ou recopiez les lignes ci-dessous et envoyez la photo avec elles.
upload-hint = JPEG, PNG ou PDF, jusqu'à { $mb } Mo. Un bon éclairage, les quatre coins visibles, sans reflet.
upload-hint-photo = JPEG ou PNG, jusqu'à { $mb } Mo.
attempts-left = { $count ->
    [one] Vous pouvez encore envoyer ce document 1 fois.
   *[other] Vous pouvez encore envoyer ce document { $count } fois.
}

selfie-hint = Regardez droit vers l'objectif, sans chapeau ni lunettes de soleil, avec un bon éclairage.
selfie-file = Votre photo
poa-hint = Une facture d'énergie, un relevé bancaire ou un courrier d'une administration datant de moins de 3 mois, qui indique votre nom et votre adresse.
poa-file = Votre document
cdoc-hint = Envoyez chaque document en PDF ou sous forme de photo bien lisible.
cdoc-certificate-of-incorporation = Certificat de constitution
cdoc-register-extract = Extrait du registre du commerce
cdoc-company-proof-of-address = Justificatif d'adresse de l'entreprise
cdoc-articles-of-association = Statuts
cdoc-shareholder-register = Registre des actionnaires

rp-intro = Indiquez toutes les personnes qui détiennent 25 % ou plus de l'entreprise, ainsi que ses dirigeants. Chacune d'elles confirme son identité : ici, maintenant, ou au moyen de son propre lien.
rp-none = Personne n'a encore été ajouté.
rp-add-heading = Ajouter une personne
rp-role = Rôle
role-ubo = Bénéficiaire effectif
role-director = Dirigeant
role-representative = Représentant
role-signatory = Signataire autorisé
field-ownership_percent = Part du capital, en %
rp-owns = détient { $percent } %
rp-how = Choisissez comment { $name } confirmera son identité.
rp-link-for = Envoyez ce lien à { $name } :
rp-verification = Vérification d'identité : { $status }
rp-verified-here = Vérifié ici

review-intro = Vérifiez vos réponses. Vous pouvez tout modifier avant l'envoi.
review-documents = Documents
review-consent = Consentement donné
review-not-done = Pas encore fait
review-confirm = En envoyant ces informations, vous confirmez qu'elles sont exactes et complètes.

status-created = Pas commencée
status-in_progress = En cours
status-submitted = Envoyée
status-processing = En cours de contrôle
status-in_review = En cours d'examen
status-approved = Vérifiée
status-rejected = Non vérifiée
status-resubmission_requested = Informations complémentaires nécessaires
status-expired = Expirée
status-canceled = Annulée

finished-submitted-heading = Merci
finished-submitted = Vos informations ont été envoyées et sont en cours de contrôle. Vous pouvez fermer cette page.
finished-approved-heading = Votre identité est vérifiée
finished-approved = L'entreprise qui a demandé cette vérification en a été informée. Vous pouvez fermer cette page.
finished-rejected-heading = Vérification terminée
finished-rejected = L'entreprise qui a demandé cette vérification a été informée du résultat. Contactez-la si vous avez des questions.
finished-closed-heading = Cette vérification est close
finished-closed = Si vous devez encore faire vérifier votre identité, demandez un nouveau lien à l'entreprise qui vous l'a envoyé.
finished-status = Statut : { $status }
finished-return = Revenir sur le site de l'entreprise

link-invalid-heading = Ce lien ne fonctionne pas
link-invalid = Vérifiez que vous avez ouvert le lien en entier, ou demandez-en un nouveau à l'entreprise qui vous l'a envoyé.
link-expired-heading = Ce lien a expiré
link-expired = Pour votre sécurité, les liens de vérification ne fonctionnent que pendant une durée limitée. Demandez-en un nouveau à l'entreprise qui vous l'a envoyé.
link-revoked-heading = Ce lien a été remplacé
link-revoked = Un lien plus récent a été envoyé pour cette vérification. Veuillez utiliser le plus récent.
link-foreign-heading = Ce lien n'a pas sa place ici
link-foreign = Le lien a été ouvert avec les informations d'une autre entreprise ou d'un autre environnement. Demandez un nouveau lien à l'entreprise qui vous l'a envoyé.
link-unavailable-heading = Nous ne pouvons pas ouvrir votre vérification pour le moment
link-unavailable = Veuillez réessayer dans quelques minutes.
session-missing-heading = Ouvrez de nouveau votre lien
session-missing = Pour continuer, ouvrez le lien de vérification que vous avez reçu. Votre progression est enregistrée.
step-missing-heading = Page introuvable
step-missing = Cette vérification ne comporte pas cette étape.

error-summary = Un problème est survenu
error-required = Renseignez cette information.
error-invalid_date = Saisissez une date qui existe, par exemple 31 mars 1990.
error-invalid_country = Choisissez un pays dans la liste.
error-invalid_email = Saisissez une adresse e-mail comme nom@exemple.fr.
error-invalid_phone = Saisissez un numéro de téléphone avec l'indicatif du pays, comme +33 6 12 34 56 78.
error-invalid_format = Vérifiez le format de cette réponse.
error-invalid_characters = Supprimez les caractères inhabituels.
error-too_long = Cette réponse est trop longue.
error-out_of_range = Saisissez un nombre de 0 à 100.
error-missing_file = Choisissez un fichier.
error-file_too_large = Le fichier dépasse { $mb } Mo. Choisissez-en un plus petit.
error-unsupported_file_type = Choisissez un fichier JPEG, PNG ou PDF. Sur un iPhone, les photos prises ici sont envoyées en JPEG.
error-image_too_small = La photo est trop petite pour être lue. Prenez-la de plus près, avec un bon éclairage.
error-blank_image = La photo semble vide. Reprenez-la avec le document bien visible.
error-unreadable_image = Cette image n'a pas pu être lue. Reprenez la photo.
error-no_face = Aucun visage n'est visible sur le selfie. Reprenez-le face à l'appareil, avec un bon éclairage.
error-several_faces = Le selfie montre plus d'un visage. Reprenez-le avec seulement votre propre visage.
error-unreadable_pdf = Ce PDF n'a pas pu être lu. Choisissez un autre fichier.
error-polyglot_file = Ce fichier en cache un autre, d'un type différent. Prenez une nouvelle photo ou faites un nouveau scan, et envoyez-le.
error-pdf_active_content = Ce PDF contient des scripts ou des actions. Enregistrez-le de nouveau sans eux (par exemple en l'imprimant dans un nouveau PDF), ou envoyez une photo.
error-pdf_embedded_file = Ce PDF contient des fichiers joints. Envoyez un PDF sans pièces jointes, ou une photo.
error-pdf_not_checkable = La sécurité de ce PDF ne peut pas être contrôlée. Envoyez une photo du document, ou un PDF plus simple.
error-invalid_check_digit = Un chiffre de contrôle ne correspond pas : un caractère a probablement été mal saisi. Comparez chacun d'eux avec le document.
error-invalid_website = Saisissez l'adresse web complète, commençant par https://, par exemple https://exemple.fr.
error-invalid_length = Cette réponse a trop ou trop peu de caractères. Comparez-la avec le document.
error-invalid_character = Supprimez les caractères que ce type de numéro ne peut pas contenir.
error-invalid_component = Une partie de ce numéro ne correspond à rien d'existant. Comparez-le avec le document.
error-unknown_country = Choisissez un pays dans la liste.
error-invalid_number = Ce numéro de téléphone n'est pas possible. Indiquez l'indicatif du pays, comme +33 6 12 34 56 78.
error-name_contains_digits = Les lignes du nom contiennent des chiffres. Les lettres O, I, S et B se confondent facilement avec 0, 1, 5 et 8 : vérifiez-les.
error-document_expired = Ce document a expiré. Utilisez-en un qui est encore valable.
error-invalid_mrz = Ces lignes ne peuvent pas être lues comme celles d'une pièce d'identité. Vérifiez chaque caractère, et que chaque ligne est sur sa propre rangée.
error-attempts_exhausted = Vous avez utilisé tous les envois autorisés pour ce document. Contactez l'entreprise qui vous a envoyé le lien.
error-consent_required = Cochez la case pour continuer.
error-rate_limited = Trop d'envois en peu de temps. Patientez une minute, puis réessayez.
error-form_expired = Ce formulaire a expiré. Veuillez l'envoyer de nouveau.
error-steps_unfinished = Terminez d'abord les étapes marquées « Pas encore fait ».
error-owner_or_director_required = Ajoutez au moins un bénéficiaire effectif ou un dirigeant.
error-ownership_over_100 = Le total des parts du capital dépasse 100 %.
error-verification_not_started = Choisissez comment cette personne va confirmer son identité.
error-verification_started = La vérification de cette personne a déjà commencé : elle ne peut plus être retirée.
error-case_not_awaiting_applicant = Cette vérification a déjà été envoyée.
error-link_replaced = Un lien plus récent a été envoyé pour cette vérification. Veuillez utiliser le plus récent.
error-concurrent_modification = Une modification a été faite au même moment, dans une autre fenêtre ou un autre onglet. Vérifiez la page et envoyez-la de nouveau.
error-generic = Vérifiez cette réponse.

# Second pass: what is needed, progress, kept files, expired forms, branding, reasons
progress-label = Votre progression
progress-done = terminé
need-title = Ce dont vous aurez besoin
need-identity_document = Une pièce d'identité en cours de validité : passeport, carte d'identité, permis de conduire ou titre de séjour
need-selfie = Un téléphone ou un ordinateur avec une caméra, pour une photo de votre visage
need-proof_of_address = Un document récent indiquant votre adresse, par exemple une facture ou un relevé bancaire
need-company_details = Le numéro d'immatriculation et l'adresse du siège de la société
need-company_documents = Ces documents de la société, en PDF ou en photo : { $documents }
need-related_persons = Les noms, dates de naissance et nationalités des propriétaires et des dirigeants ; chacun confirme ensuite sa propre identité
uploaded-keep = Nous avons ce fichier. Vous pouvez le garder, ou en choisir un autre pour le remplacer.
button-keep = Garder ces fichiers et continuer
button-replace = Remplacer
expired-form-heading = Votre lien a expiré pendant que cette page était ouverte
expired-form = Pour votre sécurité, les liens ne sont valables qu'un temps limité. Ce que vous avez saisi sur cette page n'a pas été enregistré, et les fichiers choisis n'ont pas été envoyés. Les étapes déjà terminées sont conservées une semaine : demandez un nouveau lien à l'entreprise qui vous a envoyé celui-ci, et vous reprendrez là où vous vous êtes arrêté.
expired-form-typed = Ce que vous avez saisi sur cette page, pour en garder une copie
error-unsupported_photo_type = Choisissez une photo : un fichier JPEG ou PNG. Un PDF ne peut pas être utilisé ici.
brand-controller = Le responsable du traitement de vos données est { $controller }.
brand-privacy = Comment vos données sont utilisées (politique de confidentialité)
brand-support = Des questions ?
again-title = Nous avons besoin de cette étape à nouveau
again-generic = Un élément de cette étape n'a pas pu être accepté. Veuillez la refaire.
again-note = { $organization } vous écrit :
reason-document_unreadable = La photo du document n'était pas lisible. Reprenez-la avec un bon éclairage, le document entier dans le cadre.
reason-document_expired = Le document était expiré. Utilisez un document encore valide.
reason-document_expired_after_submission = Le document a expiré pendant sa vérification. Utilisez un document encore valide.
reason-document_mismatch = Le document ne correspond pas aux informations que vous avez saisies.
reason-document_duplicate = Ce document a déjà été utilisé dans une autre vérification.
reason-document_invalid = L'authenticité du document n'a pas pu être confirmée à partir de ce qui a été envoyé.
reason-document_not_open = Le passeport a été photographié fermé. Photographiez la page qui porte votre photo.
reason-expiry_date_missing = Aucune date d'expiration n'a été trouvée sur le document.
reason-issue_date_missing = Aucune date de délivrance n'a été trouvée sur le document.
reason-information_missing = Il manque quelque chose : un côté du document, ou une date.
reason-name_mismatch = Le nom ne correspond pas au document.
reason-date_of_birth_mismatch = La date de naissance ne correspond pas au document.
reason-name_and_date_of_birth_mismatch = Le nom et la date de naissance ne correspondent pas au document.
reason-outdated_address = Le justificatif de domicile est trop ancien ou indique une autre adresse.
reason-other = Un élément de ce document n'a pas pu être accepté.

# E-mailed links and phone hand-off
acting-for = Vérification de { $person } pour { $business }
acting-progress = Sa vérification : étape { $current } sur { $total }
acting-back = Retour à { $business }
button-copy-link = Copier le lien
link-copied = Copié
button-share-link = Partager le lien
button-show-qr = Afficher le code QR
button-email = Envoyer par e-mail
button-email-again = Renvoyer l'e-mail
button-back-persons = Retour aux propriétaires et dirigeants
rp-email-off = L'envoi d'e-mails n'est pas configuré ici : le lien ne peut pas être envoyé par e-mail. Copiez-le, partagez-le ou affichez son code QR.
rp-email-unknown = Aucune adresse e-mail n'a été indiquée pour { $name } : le lien ne peut pas être envoyé par e-mail. Copiez-le, partagez-le ou affichez son code QR.
rp-email-sent = Envoyé par e-mail à { $email } le { $date }.
rp-email-queued = Envoi par e-mail à { $email } en cours.
rp-email-ready = Le lien peut être envoyé par e-mail à { $email }.
rp-qr-heading = Lien pour { $name }
rp-qr-hint = { $name } scanne ce code avec l'appareil photo de son téléphone pour ouvrir son propre lien.
rp-qr-label = Code QR du lien pour { $name }
phone-button = Continuer sur votre téléphone
phone-heading = Continuer sur votre téléphone
phone-hint = Scannez ce code avec l'appareil photo de votre téléphone : cette vérification s'ouvre sur votre téléphone, où il est plus facile de prendre les photos. Le code fonctionne une seule fois, pendant 10 minutes.
phone-label = Code QR pour continuer cette vérification sur votre téléphone
phone-type = Ou saisissez cette adresse dans le navigateur de votre téléphone :
phone-back = Rester sur cet appareil
phone-limit-heading = Utilisez le code que vous avez déjà
phone-limit = Plusieurs codes pour continuer sur votre téléphone attendent encore d'être utilisés. Scannez-en un, ou attendez dix minutes et demandez-en un nouveau.
error-email_recently_sent = Le lien vient d'être envoyé par e-mail. Attendez une minute avant de le renvoyer.
error-email_unknown = Aucune adresse e-mail n'est connue pour cette personne.
error-email_not_configured = L'envoi d'e-mails n'est pas configuré ici.
