# Los textos del portal en español. Cada mensaje de en.ftl debe estar aquí, con las mismas
# variables (una prueba lo comprueba). Registro formal: se trata de usted.

language-name = Español
site-title = Verificación de identidad
switch-language = Idioma
progress = Paso { $current } de { $total }
required-hint = Todos los campos son obligatorios, salvo los marcados como opcionales.
optional = opcional

button-continue = Continuar
button-save = Guardar y continuar
button-upload = Subir y continuar
button-submit = Enviar
button-change = Cambiar
button-back = Volver
button-verify-here = Verificar ahora, aquí
button-send-link = Enviarle su propio enlace
button-add-person = Añadir a esta persona
button-remove = Quitar
button-use-document = Usar este documento

step-consent = Antes de empezar
step-personal_details = Sus datos
step-identity_document = Documento de identidad
step-selfie = Foto de su cara
step-proof_of_address = Comprobante de domicilio
step-company_details = Datos de la empresa
step-company_documents = Documentos de la empresa
step-related_persons = Propietarios y administradores
step-review = Revisar y enviar

consent-intro = { $organization } necesita confirmar su identidad antes de poder ofrecerle sus servicios.
consent-what = Le pediremos sus datos y fotos de sus documentos. Se guardan cifrados y solo se usan para esta verificación.
consent-time = Se tarda unos 5 minutos. Puede detenerse en cualquier momento y continuar más tarde con el mismo enlace, en este u otro dispositivo.
consent-checkbox = Acepto que mis datos se usen para esta verificación
consent-intro-business = { $organization } necesita verificar su empresa, sus documentos y a las personas que la poseen o la dirigen.

field-first_name = Nombre
field-middle_name = Otros nombres
field-last_name = Apellidos
field-date_of_birth = Fecha de nacimiento
hint-date = Por ejemplo: 31 de marzo de 1990
date-long = { $day } de { $month ->
    [1] enero
    [2] febrero
    [3] marzo
    [4] abril
    [5] mayo
    [6] junio
    [7] julio
    [8] agosto
    [9] septiembre
    [10] octubre
    [11] noviembre
   *[12] diciembre
} de { $year }
field-nationality = Nacionalidad
field-email = Correo electrónico
field-phone = Número de teléfono
hint-phone = Con el prefijo del país, por ejemplo +34 612 34 56 78
field-address-line1 = Calle y número
field-address-line2 = Piso, puerta
field-address-city = Localidad
field-address-postal_code = Código postal
field-address-country = País
legend-address = Domicilio
choose = Elija…

field-legal_name = Razón social
field-registration_number = Número de registro
field-business-country = País de constitución
field-state = Estado o región
field-lei = LEI
hint-lei = El identificador de entidad jurídica (Legal Entity Identifier) de 20 caracteres, si la empresa lo tiene
field-vat_number = Número de IVA
field-website = Sitio web
legend-business-address = Domicilio social

idoc-type = ¿Qué documento va a usar?
idoc-country = País que lo expidió
doc-passport = Pasaporte
doc-id-card = Documento nacional de identidad
doc-driver-license = Permiso de conducir
doc-residence-permit = Permiso de residencia
idoc-chosen = { $document } de { $country }
idoc-front = Foto del anverso
idoc-front-passport = Foto de la página con su fotografía
idoc-back = Foto del reverso
idoc-number = Número del documento
idoc-number-hint = Tal como aparece impreso en el documento; por ejemplo, en un permiso de conducir, el número del campo 5.
idoc-expiry = Fecha de caducidad
idoc-expiry-hint = La fecha hasta la que el documento es válido; por ejemplo, en un permiso de conducir, el campo 4b.
idoc-mrz = Las líneas de la parte inferior
idoc-mrz-hint = Los pasaportes tienen 2 líneas de letras, números y signos < debajo de la foto; los documentos de identidad tienen 3 en el reverso. Escríbalas exactamente, una línea por fila.
idoc-read-title = Lo que hemos leído de su documento
idoc-read-hint = Compruebe que coincide con su documento. Si algo no es correcto, suba una foto más nítida.
idoc-read-surname = Apellidos
idoc-read-given-names = Nombre
idoc-read-number = Número del documento
idoc-read-birth = Fecha de nacimiento
idoc-read-expiry = Válido hasta
idoc-read-nationality = Nacionalidad
idoc-unread = No hemos podido leer las líneas de la parte inferior de su documento. Suba una foto más nítida, con buena luz y sin reflejos, o escriba las líneas a continuación y envíe la foto con ellas.
upload-hint = JPEG, PNG o PDF, de hasta { $mb } MB. Con buena luz, las cuatro esquinas visibles y sin reflejos.
upload-hint-photo = JPEG o PNG, de hasta { $mb } MB.
attempts-left = { $count ->
    [one] Puede subir este archivo 1 vez más.
   *[other] Puede subir este archivo { $count } veces más.
}

selfie-hint = Mire directamente a la cámara, sin sombrero ni gafas de sol, con buena luz.
selfie-file = Su foto
poa-hint = Una factura de suministros, un extracto bancario o una carta de una administración pública, de menos de 3 meses, en la que figuren su nombre y su dirección.
poa-file = Su documento
cdoc-hint = Suba cada documento en PDF o como una foto bien legible.
cdoc-certificate-of-incorporation = Escritura de constitución
cdoc-register-extract = Nota simple del registro mercantil
cdoc-company-proof-of-address = Comprobante del domicilio de la empresa
cdoc-articles-of-association = Estatutos sociales
cdoc-shareholder-register = Libro registro de socios

rp-intro = Indique a todas las personas que poseen el 25 % o más de la empresa, y a sus administradores. Cada una de ellas confirma su identidad: aquí, ahora, o mediante su propio enlace.
rp-none = Todavía no se ha añadido a nadie.
rp-add-heading = Añadir una persona
rp-role = Función
role-ubo = Titular real
role-director = Administrador
role-representative = Representante
role-signatory = Firmante autorizado
field-ownership_percent = Participación en la empresa, en %
rp-owns = posee el { $percent } %
rp-how = Elija cómo confirmará { $name } su identidad.
rp-link-for = Envíe este enlace a { $name }:
rp-verification = Verificación de identidad: { $status }
rp-verified-here = Verificado aquí

review-intro = Revise sus respuestas. Puede cambiar cualquier cosa antes de enviarlas.
review-documents = Documentos
review-consent = Consentimiento otorgado
review-not-done = Pendiente
review-confirm = Al enviar, usted confirma que la información es verdadera y completa.

status-created = Sin empezar
status-in_progress = En curso
status-submitted = Enviada
status-processing = En comprobación
status-in_review = En revisión
status-approved = Verificada
status-rejected = No verificada
status-resubmission_requested = Se necesita más información
status-expired = Caducada
status-canceled = Cancelada

finished-submitted-heading = Gracias
finished-submitted = Su información se ha enviado y se está comprobando. Puede cerrar esta página.
finished-approved-heading = Su identidad está verificada
finished-approved = Se ha informado a la empresa que solicitó esta verificación. Puede cerrar esta página.
finished-rejected-heading = Verificación finalizada
finished-rejected = Se ha comunicado el resultado a la empresa que solicitó esta verificación. Póngase en contacto con ella si tiene preguntas.
finished-closed-heading = Esta verificación está cerrada
finished-closed = Si todavía necesita verificar su identidad, pida un enlace nuevo a la empresa que se lo envió.
finished-status = Estado: { $status }
finished-return = Volver al sitio web de la empresa

link-invalid-heading = Este enlace no funciona
link-invalid = Compruebe que ha abierto el enlace completo, o pida uno nuevo a la empresa que se lo envió.
link-expired-heading = Este enlace ha caducado
link-expired = Por su seguridad, los enlaces de verificación solo funcionan durante un tiempo limitado. Pida uno nuevo a la empresa que se lo envió.
link-revoked-heading = Este enlace se ha sustituido
link-revoked = Se ha enviado un enlace más reciente para esta verificación. Utilice el más reciente.
link-foreign-heading = Este enlace no corresponde a este sitio
link-foreign = El enlace se abrió con los datos de otra empresa o de otro entorno. Pida un enlace nuevo a la empresa que se lo envió.
link-unavailable-heading = No podemos abrir su verificación en este momento
link-unavailable = Vuelva a intentarlo dentro de unos minutos.
session-missing-heading = Vuelva a abrir su enlace
session-missing = Para continuar, abra el enlace de verificación que recibió. Su progreso se ha guardado.
step-missing-heading = Página no encontrada
step-missing = Esta verificación no tiene ese paso.

error-summary = Hay un problema
error-required = Introduzca este dato.
error-invalid_date = Introduzca una fecha que exista, por ejemplo 31 de marzo de 1990.
error-invalid_country = Elija un país de la lista.
error-invalid_email = Introduzca una dirección de correo electrónico como nombre@ejemplo.es.
error-invalid_phone = Introduzca un número de teléfono con el prefijo del país, como +34 612 34 56 78.
error-invalid_format = Compruebe el formato de esta respuesta.
error-invalid_characters = Elimine los caracteres poco habituales.
error-too_long = Esta respuesta es demasiado larga.
error-out_of_range = Introduzca un número del 0 al 100.
error-missing_file = Elija un archivo.
error-file_too_large = El archivo ocupa más de { $mb } MB. Elija uno más pequeño.
error-unsupported_file_type = Elija un archivo JPEG, PNG o PDF. En un iPhone, las fotos tomadas aquí se envían en JPEG.
error-image_too_small = La foto es demasiado pequeña para leerla. Tómela más cerca y con buena luz.
error-blank_image = La foto parece estar en blanco. Vuelva a tomarla con el documento a la vista.
error-unreadable_image = No se ha podido leer esta imagen. Vuelva a tomar la foto.
error-no_face = No se ve ninguna cara en el selfie. Tómelo de nuevo mirando a la cámara, con buena luz.
error-several_faces = El selfie muestra más de una cara. Tómelo de nuevo solo con su propia cara.
error-unreadable_pdf = No se ha podido leer este PDF. Elija otro archivo.
error-polyglot_file = Este archivo oculta en su interior otro tipo de archivo. Tome una foto nueva o haga un escaneo nuevo y envíelo.
error-pdf_active_content = Este PDF contiene scripts o acciones. Guárdelo de nuevo sin ellos (por ejemplo, imprimiéndolo en un PDF nuevo) o envíe una foto.
error-pdf_embedded_file = Este PDF lleva otros archivos adjuntos. Envíe un PDF sin adjuntos, o una foto.
error-pdf_not_checkable = No se puede comprobar la seguridad de este PDF. Envíe una foto del documento o un PDF más sencillo.
error-invalid_check_digit = Un dígito de control no coincide: probablemente hay un carácter mal escrito. Compare cada uno con el documento.
error-invalid_website = Introduzca la dirección web completa, que empiece por https://, por ejemplo https://ejemplo.es.
error-invalid_length = Esta respuesta tiene demasiados o demasiado pocos caracteres. Compárela con el documento.
error-invalid_character = Elimine los caracteres que este tipo de número no puede contener.
error-invalid_component = Una parte de este número no corresponde a nada que exista. Compárelo con el documento.
error-unknown_country = Elija un país de la lista.
error-invalid_number = Este número de teléfono no es posible. Incluya el prefijo del país, como +34 612 34 56 78.
error-name_contains_digits = Las líneas del nombre contienen dígitos. Letras como O, I, S y B se confunden fácilmente con 0, 1, 5 y 8: revíselas.
error-document_expired = Este documento ha caducado. Utilice uno que siga siendo válido.
error-invalid_mrz = Estas líneas no se pueden leer como las de un documento de identidad. Revise cada carácter y que cada línea esté en su propia fila.
error-attempts_exhausted = Ha agotado todos los envíos permitidos para este documento. Póngase en contacto con la empresa que le envió el enlace.
error-consent_required = Marque la casilla para continuar.
error-rate_limited = Demasiados envíos en poco tiempo. Espere un minuto y vuelva a intentarlo.
error-form_expired = Este formulario ha caducado. Vuelva a enviarlo.
error-steps_unfinished = Termine primero los pasos marcados como «Pendiente».
error-owner_or_director_required = Añada al menos un titular real o un administrador.
error-ownership_over_100 = Las participaciones suman más del 100 %.
error-verification_not_started = Elija cómo confirmará esta persona su identidad.
error-verification_started = La verificación de esta persona ya ha empezado, así que no se puede quitar.
error-case_not_awaiting_applicant = Esta verificación ya se ha enviado.
error-link_replaced = Se ha enviado un enlace más reciente para esta verificación. Utilice el más reciente.
error-concurrent_modification = Alguien ha cambiado esto al mismo tiempo, en otra ventana o pestaña. Revise la página y vuelva a enviarla.
error-generic = Revise esta respuesta.

# Second pass: what is needed, progress, kept files, expired forms, branding, reasons
progress-label = Su progreso
progress-done = completado
need-title = Lo que necesitará
need-identity_document = Un documento de identidad vigente: pasaporte, documento nacional de identidad, permiso de conducir o permiso de residencia
need-selfie = Un teléfono u ordenador con cámara, para una foto de su cara
need-proof_of_address = Un documento reciente que muestre su dirección, como una factura o un extracto bancario
need-company_details = El número de registro y el domicilio social de la empresa
need-company_documents = Estos documentos de la empresa, en PDF o en foto: { $documents }
need-related_persons = Los nombres, fechas de nacimiento y nacionalidades de los propietarios y administradores; cada uno confirma después su propia identidad
uploaded-keep = Ya tenemos este archivo. Puede conservarlo o elegir otro para sustituirlo.
button-keep = Conservar estos archivos y continuar
button-replace = Sustituir
expired-form-heading = Su enlace caducó mientras esta página estaba abierta
expired-form = Por su seguridad, los enlaces solo sirven durante un tiempo limitado. Lo que escribió en esta página no se guardó, y los archivos elegidos no se enviaron. Los pasos que ya terminó se conservan una semana: pida un enlace nuevo a la empresa que le envió este y continuará donde lo dejó.
expired-form-typed = Lo que escribió en esta página, para que conserve una copia
error-unsupported_photo_type = Elija una foto: un archivo JPEG o PNG. Aquí no se puede usar un PDF.
brand-controller = El responsable del tratamiento de sus datos es { $controller }.
brand-privacy = Cómo se usan sus datos (aviso de privacidad)
brand-support = ¿Preguntas?
again-title = Necesitamos este paso de nuevo
again-generic = Algo de este paso no se pudo aceptar. Por favor, vuelva a hacerlo.
again-note = { $organization } le escribe:
reason-document_unreadable = La foto del documento no se podía leer. Hágala de nuevo con buena luz y con el documento entero a la vista.
reason-document_expired = El documento estaba caducado. Use uno que siga vigente.
reason-document_expired_after_submission = El documento caducó mientras se comprobaba. Use uno que siga vigente.
reason-document_mismatch = El documento no coincide con los datos que indicó.
reason-document_duplicate = Este documento ya se usó en otra verificación.
reason-document_invalid = No se pudo confirmar la autenticidad del documento con lo que se envió.
reason-document_not_open = El pasaporte se fotografió cerrado. Fotografíe la página con su foto.
reason-expiry_date_missing = No se encontró ninguna fecha de caducidad en el documento.
reason-issue_date_missing = No se encontró ninguna fecha de expedición en el documento.
reason-information_missing = Falta algo: una cara del documento o una fecha.
reason-name_mismatch = El nombre no coincide con el documento.
reason-date_of_birth_mismatch = La fecha de nacimiento no coincide con el documento.
reason-name_and_date_of_birth_mismatch = El nombre y la fecha de nacimiento no coinciden con el documento.
reason-outdated_address = El justificante de domicilio es demasiado antiguo o muestra otra dirección.
reason-other = Algo de este documento no se pudo aceptar.

# E-mailed links and phone hand-off
acting-for = Verificación de { $person } para { $business }
acting-progress = Su verificación: paso { $current } de { $total }
acting-back = Volver a { $business }
button-copy-link = Copiar el enlace
link-copied = Copiado
button-share-link = Compartir el enlace
button-show-qr = Mostrar el código QR
button-email = Enviar por correo electrónico
button-email-again = Volver a enviar el correo
button-back-persons = Volver a propietarios y administradores
rp-email-off = El envío de correos no está configurado aquí, así que el enlace no se puede enviar por correo. Cópielo, compártalo o muestre su código QR.
rp-email-unknown = No se indicó ninguna dirección de correo para { $name }, así que el enlace no se puede enviar por correo. Cópielo, compártalo o muestre su código QR.
rp-email-sent = Enviado por correo a { $email } el { $date }.
rp-email-queued = Se está enviando por correo a { $email }.
rp-email-ready = El enlace se puede enviar por correo a { $email }.
rp-qr-heading = Enlace para { $name }
rp-qr-hint = { $name } escanea este código con la cámara de su teléfono para abrir su propio enlace.
rp-qr-label = Código QR del enlace para { $name }
phone-button = Continuar en su teléfono
phone-heading = Continuar en su teléfono
phone-hint = Escanee este código con la cámara de su teléfono: esta verificación se abre en el teléfono, donde es más fácil hacer las fotos. El código funciona una sola vez, durante 10 minutos.
phone-label = Código QR para continuar esta verificación en su teléfono
phone-type = O escriba esta dirección en el navegador de su teléfono:
phone-back = Quedarse en este dispositivo
phone-limit-heading = Use el código que ya tiene
phone-limit = Hay varios códigos para continuar en el teléfono que aún esperan a usarse. Escanee uno de ellos, o espere diez minutos y pida uno nuevo.
error-email_recently_sent = El enlace se acaba de enviar por correo. Espere un minuto antes de volver a enviarlo.
error-email_unknown = No se conoce ninguna dirección de correo para esta persona.
error-email_not_configured = El envío de correos no está configurado aquí.
