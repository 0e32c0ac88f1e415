import type { TextId } from './en.ts';

/**
 * Every sentence of the English catalogue, in Spanish (United States): the same keys (a missing or
 * extra key does not compile), the same ICU values and tags. Written for patients, not word for
 * word: "usted", plain words, the terms US clinics use in Spanish ("consultorio", "portal del
 * paciente", "código de seguridad"). Names of products and of the service stay as they are.
 */
export const es: Record<TextId, string> = {
  // --- errores ---------------------------------------------------------------------------------------
  'error.guard.invalid_input': 'La solicitud no es válida.',
  'error.guard.unsupported_media_type': 'Envíe el contenido de la solicitud como JSON o como formulario.',
  'error.guard.body_too_large': 'El contenido de la solicitud es demasiado grande.',
  'error.guard.body_not_decodable': 'No se pudo descomprimir el contenido de la solicitud (su Content-Encoding no corresponde).',
  'error.route.not_found': 'Aquí no hay nada.',
  'error.route.method_not_allowed': 'Este método no está permitido aquí.',
  'error.csrf.invalid': 'Este formulario venció. Regrese, vuelva a cargar la página e inténtelo de nuevo.',
  'error.interaction.not_found': 'Este inicio de sesión venció o ya se completó. Regrese a la aplicación y empiece de nuevo.',
  'error.interaction.invalid_action': 'Ese paso no está disponible en este momento del inicio de sesión.',
  'error.login.invalid_credentials':
    'El nombre de usuario o la contraseña no son correctos. Después de varios intentos fallidos, el inicio de sesión se detiene un tiempo: use “¿Olvidó su contraseña?” si no está seguro.',
  'error.passkey.invalid': 'No pudimos verificar la llave de acceso. Inténtelo de nuevo o inicie sesión con su contraseña.',
  'error.passkey.exists': 'Esta llave de acceso ya está registrada.',
  'error.passkey.too_many': 'Una cuenta puede tener como máximo 10 llaves de acceso. Elimine una primero.',
  'error.passkey.not_found': 'Esta cuenta no tiene esa llave de acceso.',
  'error.passkey.no_challenge': 'Primero pida las opciones de la llave de acceso y luego respóndalas.',
  'error.signin.code_invalid':
    'Ese código no es correcto o ya se usó. Escriba el código que muestra ahora su aplicación de autenticación.',
  'error.signin.second_factor_required':
    'Esta aplicación exige la verificación en dos pasos. Configure una aplicación de autenticación en la página de su cuenta y vuelva a iniciar sesión.',
  'error.signin.too_many_attempts':
    'Llegaron demasiados intentos de inicio de sesión desde su red. Espere un minuto y vuelva a intentarlo.',
  'error.config.invalid': 'La configuración del servidor no es válida.',
  'error.cli.invalid_input': 'Los datos del comando no son válidos.',
  'error.client.exists': 'Ya existe un cliente con este identificador.',
  'error.client.not_found': 'Ningún cliente tiene este identificador.',
  'error.client.invalid_metadata': 'Los metadatos del cliente no son válidos.',
  'error.account.username_taken': 'Ese nombre de usuario ya está en uso.',
  'error.password.policy_violation': 'Elija una contraseña que cumpla todos los requisitos de la lista.',
  'error.api.unauthorized': 'Esta API requiere un token de acceso válido.',
  'error.api.insufficient_scope': 'El token de acceso no permite esta operación.',
  'error.practice.not_found': 'Ningún consultorio tiene este identificador.',
  'error.practice.exists': 'Ya existe un consultorio con este identificador.',
  'error.enrollment.not_found': 'Ninguna inscripción tiene este identificador.',
  'error.enrollment.already_claimed': 'Esta inscripción ya se usó para registrar una cuenta.',
  'error.enrollment.revoked': 'Esta inscripción fue anulada. Cree una nueva.',
  'error.enrollment.locked':
    'El registro se bloqueó después de demasiados intentos fallidos. Pida a su médico que lo inscriba de nuevo.',
  'error.idempotency.key_reused': 'Esta Idempotency-Key ya se usó con otra solicitud.',
  'error.idempotency.unreplayable':
    'La primera respuesta a esta Idempotency-Key ya no se puede repetir. Revise la lista de inscripciones o vuelva a intentarlo con otra clave.',
  'error.idempotency.in_progress':
    'Una solicitud con esta Idempotency-Key todavía está en curso. Vuelva a intentarlo en un momento.',
  'error.link.expired': 'Su enlace de registro venció. Pida a su médico que lo inscriba de nuevo.',
  'error.flow.not_found': 'No encontramos este registro o ya venció. Vuelva a abrir el enlace de su correo electrónico.',
  'error.flow.expired': 'Este registro venció. Vuelva a abrir el enlace de su correo electrónico.',
  'error.flow.invalid_transition': 'Ese paso no está disponible en este momento del registro.',
  'error.flow.conflict': 'Este registro cambió en otra ventana. Vuelva a cargar la página y continúe.',
  'error.verification.failed': 'No pudimos verificar su identidad con los datos que escribió. Revíselos y vuelva a intentarlo.',
  'error.verification.failed_last_attempt':
    'No pudimos verificar su identidad con los datos que escribió. Le queda 1 intento antes de que se bloquee su registro.',
  'error.date_of_birth.invalid_format': 'Escriba la fecha de nacimiento como mes, día y año, por ejemplo 04/12/1990.',
  'error.verification.method_unavailable':
    'Esta forma de verificación no está disponible para su expediente. Use su fecha de nacimiento y su PIN.',
  'error.sms.too_soon': 'Acabamos de enviarle un código. Espere unos segundos antes de pedir otro.',
  'error.sms.limit_reached': 'Se pidieron demasiados códigos. Vuelva a intentarlo más tarde o use su PIN.',
  'error.registration.already_claimed': 'Su enlace de registro venció. Pida a su médico que lo inscriba de nuevo.',
  'error.username.invalid': 'Elija un nombre de usuario de 3 a 64 caracteres: letras, números y . _ - @ +',
  'error.security_answer.invalid': 'Responda su pregunta de seguridad (al menos 2 caracteres).',
  'error.record.not_found': 'Ningún expediente de este consultorio tiene este identificador.',
  'error.record_link.not_found': 'Este expediente no tiene ningún vínculo con este identificador.',
  'error.patient.not_linked': 'Elija uno de los expedientes que se muestran.',
  'error.account.not_found': 'No existe esa cuenta.',
  'error.account.signin_required': 'Inicie sesión para ver su cuenta.',
  'error.account.reauthentication_required': 'Por su seguridad, escriba de nuevo su contraseña antes de este cambio.',
  'error.phone.invalid': 'Escriba un número de teléfono válido, por ejemplo (415) 555-0123.',
  'error.settings.totp_already_on':
    'La verificación en dos pasos ya está activada. Desactívela primero para usar otra aplicación.',
  'error.settings.totp_not_on': 'La verificación en dos pasos no está activada.',
  'error.settings.app_not_found': 'Esa aplicación no tiene acceso a su cuenta.',
  'error.settings.merge_same_account': 'Esa es la cuenta en la que ya inició sesión. Inicie sesión en su otra cuenta.',
  'error.account.deactivated':
    'Esta cuenta está desactivada. Para volver a usarla, restablezca su contraseña con “¿Olvidó su contraseña?”: eso la reactiva.',
  'error.registration.too_many_usernames':
    'Se probaron demasiados nombres de usuario. Espere una hora o pida al consultorio de su médico que lo inscriba de nuevo.',
  'error.registration.nothing_to_recover':
    'Estos expedientes todavía no pertenecen a ninguna cuenta: vincúlelos a una o cree una nueva.',
  'error.recovery.locked':
    'Por su seguridad detuvimos este cambio de contraseña después de demasiadas respuestas incorrectas. Vuelva a empezar más tarde o pida al consultorio de su médico que lo inscriba de nuevo.',
  'error.recovery.no_email':
    'Esta cuenta no tiene correo electrónico: imprima el enlace (--print-link) y entrégueselo al paciente.',
  'error.recovery.too_many_emails':
    'Ya enviamos varios correos. Revise su bandeja de entrada y la carpeta de correo no deseado, o vuelva a intentarlo en una hora.',
  'error.recovery.link_unusable':
    'Este enlace para restablecer la contraseña ya se usó o venció. Pida uno nuevo: cada enlace funciona una sola vez, durante 30 minutos.',
  'error.server.busy': 'El servicio está ocupado. Vuelva a intentarlo en un momento.',
  'error.server.unavailable': 'El servicio no está disponible por ahora. Vuelva a intentarlo en un momento.',
  'error.database.unavailable': 'No podemos acceder a nuestros registros en este momento. Vuelva a intentarlo en un momento.',
  'error.server.internal': 'Algo salió mal de nuestra parte. Vuelva a intentarlo en un momento.',
  'error.retry_after': 'Vuelva a intentarlo en {seconds} segundos.',

  // --- lo que un inicio de sesión puede compartir, como lo dice la página de permiso ----------------
  'scope.openid': 'Saber quién es usted',
  'scope.profile': 'Ver su nombre y su nombre de usuario',
  'scope.email': 'Ver su correo electrónico',
  'scope.address': 'Ver su dirección postal',
  'scope.phone': 'Ver su número de teléfono',
  'scope.offline_access': 'Seguir conectada cuando usted no la esté usando',
  'scope.records': 'Ver a qué expedientes médicos tiene acceso (los suyos y los de su familia)',
  'scope.notifications': 'Ver qué mensajes aceptó recibir (correo electrónico, texto)',
  'scope.fhirUser': 'Saber cuál es su expediente de paciente',
  'scope.launch/patient': 'Saber qué expediente de paciente eligió abrir',
  'scope.patient_read': 'Leer sus {what}',
  'scope.patient_write': 'Agregar y cambiar sus {what}',
  'scope.patient_read_write': 'Leer, agregar y cambiar sus {what}',
  'scope.patient_read_of': 'Leer {what} de {name}',
  'scope.patient_write_of': 'Agregar y cambiar {what} de {name}',
  'scope.patient_read_write_of': 'Leer, agregar y cambiar {what} de {name}',
  'fhir.all': 'expedientes médicos',
  'fhir.AllergyIntolerance': 'alergias',
  'fhir.Condition': 'problemas de salud y diagnósticos',
  'fhir.DiagnosticReport': 'informes de laboratorio y de imágenes',
  'fhir.DocumentReference': 'documentos y notas de consultas',
  'fhir.Encounter': 'consultas',
  'fhir.Immunization': 'vacunas',
  'fhir.MedicationRequest': 'medicamentos',
  'fhir.Observation': 'resultados de pruebas y signos vitales',
  'fhir.Patient': 'nombre, fecha de nacimiento y datos de contacto registrados',
  'fhir.Procedure': 'procedimientos',
  'fhir.other': 'expedientes médicos de tipo {type}',

  // --- campos de formulario (etiquetas y ayudas) ---------------------------------------------------
  'field.method': '¿Cómo quiere verificar su identidad?',
  'field.method.pin': 'Fecha de nacimiento y PIN',
  'field.method.sms': 'Número de teléfono y fecha de nacimiento',
  'field.dateOfBirth': 'Fecha de nacimiento',
  'field.dateOfBirth.hint': 'MM/DD/AAAA',
  'field.pin': 'PIN',
  'field.pin.hint': 'El PIN que le dio el consultorio de su médico',
  'field.phone': 'Número de teléfono',
  'field.phone.hint': 'Por ejemplo (415) 555-0123',
  'field.code': 'Código de seguridad',
  'field.new_email': 'Correo electrónico nuevo',
  'field.new_phone': 'Número de teléfono nuevo',
  'field.new_username': 'Nombre de usuario nuevo',
  'field.currentPassword': 'Contraseña actual',
  'field.keepOtherSessions': 'Mantener la sesión abierta en mis otros dispositivos',
  'field.emailRecords': 'Avisarme por correo de expedientes nuevos',
  'field.emailAppointments': 'Avisarme por correo de mis citas',
  'field.smsRecords': 'Avisarme por mensaje de texto de expedientes nuevos',
  'field.smsAppointments': 'Avisarme por mensaje de texto de mis citas',
  'field.clientId': 'Aplicación',
  'field.otherLogin': 'Nombre de usuario de su otra cuenta',
  'field.otherPassword': 'Contraseña de su otra cuenta',
  'field.totp_code': 'Código de su aplicación de autenticación',
  'field.totp_code.hint': 'El código de 6 dígitos que muestra ahora la aplicación.',
  'field.recovery_code': 'Código de recuperación',
  'field.passkey_response': 'Respuesta de la llave de acceso',
  'field.passkey_name': 'Nombre de esta llave de acceso',
  'field.identifier': 'Nombre de usuario o correo electrónico',
  'field.identifier.hint': 'Si alguna cuenta coincide, le enviamos por correo un enlace para elegir una contraseña nueva.',
  'field.email': 'Correo electrónico',
  'field.answer': 'Su respuesta',
  'field.token': 'Código del enlace',
  'field.choice': '¿Ya tiene una cuenta en el portal del paciente?',
  'field.choice.link': 'Vincular los expedientes a una cuenta que ya tengo',
  'field.choice.create': 'Crear una cuenta nueva',
  'field.choice.reset': 'No puedo iniciar sesión: restablecer la contraseña de la cuenta que tiene estos expedientes',
  'field.login': 'Nombre de usuario',
  'field.password': 'Contraseña',
  'field.new_password': 'Contraseña nueva',
  'field.securityQuestion': 'Pregunta de seguridad',
  'field.securityAnswer': 'Su respuesta',
  'field.username': 'Nombre de usuario',
  'field.username.hint': 'Escribimos su correo electrónico o su nombre de usuario más reciente. Puede cambiarlo.',
  'field.new_password.hint': 'Mínimo 8 caracteres, con una letra MAYÚSCULA y un número o símbolo.',
  'field.patient': '¿De quién son los expedientes que quiere abrir?',
  'field.link': 'Enlace de registro',
  'field.language': 'Idioma',
  'language.en': 'English',
  'language.es': 'Español',

  // --- preguntas de seguridad y reglas de contraseña -------------------------------------------------
  'question.first_pet': '¿Cómo se llamaba su primera mascota?',
  'question.birth_city': '¿En qué ciudad nació?',
  'question.first_school': '¿Cómo se llamaba su primera escuela?',
  'question.childhood_street': '¿En qué calle vivía cuando era niño o niña?',
  'question.first_job': '¿Cuál fue su primer trabajo?',
  'question.favorite_teacher': '¿Cuál era el apellido de su maestro o maestra favorita?',
  'password_rule.min_length': 'Al menos {min} caracteres',
  'password_rule.max_length': 'Como máximo {max} caracteres',
  'password_rule.uppercase': 'Una letra MAYÚSCULA',
  'password_rule.number_or_symbol': 'Un número o un símbolo',
  'password_rule.not_username': 'Distinta de su nombre de usuario y de su correo electrónico',
  'password_rule.not_common': 'Que no sea una contraseña común',

  // --- todas las páginas -----------------------------------------------------------------------------
  'layout.site_name': 'Portal del paciente',
  'layout.footer': 'Sus expedientes médicos, protegidos.',
  'layout.title': '{title} · Portal del paciente',

  'page.error.title': 'Error',
  'page.error.heading': 'Algo salió mal',
  'page.error.code': 'Referencia para soporte: <code>{reference}</code>',
  'page.error.back': 'Regresar',
  'page.error.default_message': 'No se pudo completar la solicitud.',

  // --- inicio de sesión ------------------------------------------------------------------------------
  'page.second_factor.title': 'Verificación en dos pasos',
  'page.second_factor.heading': 'Confirme que es usted',
  'page.second_factor.intro':
    'Su cuenta tiene la verificación en dos pasos. Abra su aplicación de autenticación y escriba el código que muestra para esta cuenta.',
  'page.second_factor.passkey_intro':
    'Su cuenta tiene la verificación en dos pasos. Use una de sus llaves de acceso para confirmar que es usted.',
  'page.second_factor.submit': 'Verificar',
  'page.second_factor.use_passkey': 'Usar una llave de acceso',
  'page.second_factor.no_app_heading': '¿No puede usar su aplicación ni su llave de acceso?',
  'page.second_factor.no_app_intro':
    'Escriba uno de los códigos de recuperación que guardó al configurar la verificación en dos pasos. Cada uno funciona una sola vez.',
  'page.second_factor.use_recovery_code': 'Usar un código de recuperación',
  'page.login.title': 'Iniciar sesión',
  'page.login.intro': 'Inicie sesión para continuar a <b>{client}</b>.',
  'page.login.forgot_password': '¿Olvidó su contraseña?',
  'page.login.forgot_username': '¿Olvidó su nombre de usuario?',
  'page.login.passkey': 'Iniciar sesión con una llave de acceso',
  'page.login.submit': 'Iniciar sesión',
  'page.login.register': '¿Es nuevo aquí? <a>Regístrese con el enlace del consultorio de su médico</a>',
  'page.login.cancel': 'Cancelar y regresar',
  'page.consent.title': 'Permitir el acceso',
  'page.consent.heading': '¿Permitir el acceso?',
  'page.consent.intro': '<b>{client}</b> pide permiso para:',
  'page.consent.allow': 'Permitir',
  'page.consent.deny': 'No permitir',
  'page.patient.title': 'Elija un paciente',
  'page.patient.intro': '<b>{client}</b> mostrará los expedientes médicos de la persona que usted elija.',
  'page.patient.option': '{name} · {relationship} · {practice}',
  'page.patient.continue': 'Continuar',
  'page.patient.cancel': 'Cancelar',
  'relationship.self': 'usted',
  'relationship.child': 'hijo o hija',
  'relationship.dependent': 'dependiente',
  'relationship.representative': 'representante',
  'page.register.title': 'Registrarse',
  'page.register.heading': 'Regístrese para ver sus expedientes médicos',
  'page.register.intro':
    'Cuando el consultorio de su médico le da acceso, le envía un correo de registro. Pegue aquí el enlace de su botón <b>Ver sus expedientes</b>, o abra el correo y seleccione el botón.',
  'page.register.continue': 'Continuar',
  'page.register.no_email': 'Si borró el correo o el enlace venció, pida al consultorio de su médico que lo inscriba de nuevo.',
  'page.register.sign_in': 'Ya tengo una cuenta: iniciar sesión',
  'page.logout.title': 'Cerrar sesión',
  'page.logout.heading': '¿Cerrar sesión?',
  'page.logout.question': '¿Quiere cerrar la sesión del portal del paciente?',
  'page.logout.question_client': '¿Quiere cerrar la sesión? También se cerrará su sesión en {client}.',
  'page.logout.yes': 'Sí, cerrar la sesión',
  'page.logout.no': 'No, seguir conectado',
  'page.logged_out.title': 'Sesión cerrada',
  'page.logged_out.heading': 'Cerró la sesión',
  'page.logged_out.text': 'Cerró la sesión. Ya puede cerrar esta ventana.',
  'page.logged_out.text_client': 'Cerró la sesión de {client}. Ya puede cerrar esta ventana.',

  // --- recuperación ------------------------------------------------------------------------------------
  'page.recovery.title': 'Restablecer su contraseña',
  'page.recovery.heading': '¿Olvidó su contraseña o su nombre de usuario?',
  'page.recovery.password_heading': '¿Olvidó su contraseña?',
  'page.recovery.password_intro':
    'Escriba su nombre de usuario o el correo electrónico de su cuenta. Si alguna cuenta coincide, le enviamos un enlace para elegir una contraseña nueva.',
  'page.recovery.send_link': 'Enviarme un enlace por correo',
  'page.recovery.username_heading': '¿Olvidó su nombre de usuario?',
  'page.recovery.username_intro':
    'Escriba el correo electrónico de su cuenta y le enviaremos todos los nombres de usuario vinculados a él.',
  'page.recovery.send_username': 'Enviarme mi nombre de usuario',
  'page.recovery.no_email_heading': '¿No tiene acceso a su correo electrónico?',
  'page.recovery.no_email_intro':
    'Escriba el número de teléfono y la fecha de nacimiento que tiene el consultorio de su médico. Le enviaremos un código de seguridad por mensaje de texto; después responderá su pregunta de seguridad y elegirá una contraseña nueva.',
  'page.recovery.send_code': 'Enviarme un código por texto',
  'page.recovery.no_contact_heading': '¿No tiene correo electrónico ni teléfono?',
  'page.recovery.no_contact_text':
    'Pida al consultorio de su médico que lo inscriba de nuevo. Cuando abra el nuevo correo de registro y verifique su identidad, podrá restablecer la contraseña de la cuenta que ya tiene sus expedientes o crear una nueva.',
  'page.recovery.link_sent_heading': 'Revise su correo electrónico',
  'page.recovery.link_sent_text':
    'Si alguna cuenta coincide con lo que escribió, enviamos un enlace para elegir una contraseña nueva al correo de esa cuenta. El enlace funciona una sola vez, durante 30 minutos.',
  'page.recovery.check_spam':
    '¿No llegó nada después de unos minutos? Revise la carpeta de correo no deseado o vuelva a intentarlo abajo.',
  'page.recovery.try_again_heading': 'Volver a intentarlo',
  'page.recovery.username_sent_heading': 'Revise su correo electrónico',
  'page.recovery.username_sent_text': 'Si alguna cuenta usa ese correo electrónico, le enviamos allí su nombre de usuario.',
  'page.recovery.password_too_heading': '¿También olvidó su contraseña?',
  'page.recovery.code_intro':
    'Si el número de teléfono y la fecha de nacimiento coinciden con nuestros registros, enviamos un código de 6 dígitos al {phone}. Vence en 10 minutos.',
  'page.recovery.question_heading': 'Responda su pregunta de seguridad',
  'page.recovery.question_intro': 'Usted eligió esta pregunta al crear su cuenta.',
  'page.recovery.question_submit': 'Continuar',
  'page.recovery.code_instead_heading': '¿Tiene un código de recuperación? Úselo en su lugar',
  'page.recovery.new_password_heading': 'Elija una contraseña nueva',
  'page.recovery.your_username': 'Su nombre de usuario es {username}.',
  'page.recovery.new_password_submit': 'Guardar la contraseña nueva',
  'page.recovery.completed_heading': 'Se cambió su contraseña',
  'page.recovery.completed_text':
    'Se cerró la sesión en todos los dispositivos conectados a su cuenta. Continúe para iniciar sesión con su contraseña nueva.',
  'page.recovery.done_text':
    'Se cerró la sesión en todos los dispositivos conectados a su cuenta. Vuelva a iniciar sesión desde su portal del paciente con su contraseña nueva.',
  'page.recovery.office_needed_heading': 'No podemos restablecer esta contraseña aquí',
  'page.recovery.locked_heading': 'Se detuvo el cambio de contraseña',
  'page.recovery.link_intro': 'Continúe para elegir una contraseña nueva para su cuenta.',
  'page.recovery.link_continue': 'Continuar',
  'page.recovery.start_again': 'Pedir un enlace nuevo',
  'page.recovery.back_to_sign_in': 'Volver a iniciar sesión',

  // --- su cuenta ---------------------------------------------------------------------------------------
  'page.account.title': 'Su cuenta',
  'page.account.heading': 'Su cuenta',
  'page.account.done.email_link_sent': 'Enviamos un enlace a su nuevo correo electrónico. Ábralo para confirmar el cambio.',
  'page.account.done.phone_changed': 'Se cambió su número de teléfono.',
  'page.account.done.username_changed': 'Se cambió su nombre de usuario. De ahora en adelante inicie sesión con el nuevo.',
  'page.account.done.password_changed': 'Se cambió su contraseña.',
  'page.account.done.question_changed': 'Se cambió su pregunta de seguridad.',
  'page.account.done.notifications_saved': 'Se guardaron sus preferencias de avisos.',
  'page.account.done.language_saved': 'Se guardó su idioma.',
  'page.account.language': 'Idioma',
  'page.account.language_intro': 'El idioma de estas páginas y de los correos y mensajes de texto que le enviamos.',
  'page.account.save_language': 'Guardar el idioma',
  'page.account.done.app_removed': 'La aplicación ya no tiene acceso a su cuenta.',
  'page.account.overview': 'Sus datos',
  'page.account.username': 'Nombre de usuario',
  'page.account.name': 'Nombre',
  'page.account.email': 'Correo electrónico',
  'page.account.phone': 'Teléfono',
  'page.account.verified': '(verificado)',
  'page.account.not_verified': '(sin verificar)',
  'page.account.none': 'Ninguno',
  'page.account.pending_email': 'Esperando confirmación',
  'page.account.pending_email_text': '{email}: abra el enlace que le enviamos allí.',
  'page.account.records': 'Sus expedientes',
  'page.account.no_records': 'Todavía no hay expedientes vinculados a esta cuenta.',
  'page.account.record': '{name} ({relationship}), compartido por el consultorio el {date}',
  'page.account.records_help': '¿De dónde viene esta información?',
  'page.account.contacts': 'Datos de contacto',
  'page.account.contacts_intro':
    'Un correo electrónico nuevo se confirma con un enlace que le enviamos; un teléfono nuevo, con un código por mensaje de texto. Avisamos del cambio a su correo o número anterior.',
  'page.account.change_email': 'Cambiar el correo electrónico',
  'page.account.change_phone': 'Cambiar el teléfono',
  'page.account.sign_in': 'Inicio de sesión',
  'page.account.change_username': 'Cambiar el nombre de usuario',
  'page.account.change_password': 'Cambiar la contraseña',
  'page.account.change_question': 'Cambiar la pregunta de seguridad',
  'page.account.two_step': 'Verificación en dos pasos',
  'page.account.two_step_off':
    'Agregue un segundo paso a su inicio de sesión: un código de una aplicación de autenticación en su teléfono, que se pide después de la contraseña. Algunas aplicaciones lo exigen.',
  'page.account.two_step_on':
    'Activada: al iniciar sesión se pide un código de su aplicación de autenticación (o una llave de acceso, si agregó una).',
  'page.account.recovery_codes_left':
    'Códigos de recuperación disponibles: {left}. Cada uno funciona una vez, si no puede usar su aplicación ni sus llaves de acceso.',
  'page.account.start_totp': 'Configurar una aplicación de autenticación',
  'page.account.remove_totp': 'Quitar la aplicación de autenticación',
  'page.account.regenerate_codes': 'Crear códigos de recuperación nuevos',
  'page.account.totp_heading': 'Configure su aplicación de autenticación',
  'page.account.totp_step1':
    'Instale una aplicación de autenticación en su teléfono (por ejemplo Google Authenticator, Microsoft Authenticator o 1Password).',
  'page.account.totp_step2': 'En la aplicación, agregue una cuenta escaneando este código.',
  'page.account.totp_qr_alt': 'Código QR para escanear con su aplicación de autenticación',
  'page.account.totp_key': '¿No puede escanearlo? Escriba esta clave en la aplicación:',
  'page.account.totp_step3': 'Escriba el código de 6 dígitos que muestra ahora la aplicación.',
  'page.account.totp_confirm': 'Activar la verificación en dos pasos',
  'page.account.totp_cancel': 'Cancelar',
  'page.account.codes_heading': 'Guarde sus códigos de recuperación',
  'page.account.codes_intro':
    'Si pierde su teléfono, cada uno de estos códigos le permite iniciar sesión una vez en lugar del código de la aplicación. Guárdelos en un lugar seguro, como un administrador de contraseñas o una copia impresa.',
  'page.account.codes_once': 'Solo se muestran ahora. Más adelante puede crear otros (los anteriores dejarán de funcionar).',
  'page.account.codes_saved': 'Ya guardé mis códigos de recuperación',
  'page.account.done.passkey_added': 'Se agregó su llave de acceso.',
  'page.account.done.passkey_renamed': 'Se cambió el nombre de su llave de acceso.',
  'page.account.done.passkey_removed': 'Se eliminó su llave de acceso.',
  'page.account.done.totp_on': 'La verificación en dos pasos está activada.',
  'page.account.done.totp_off': 'La verificación en dos pasos está desactivada.',
  'page.account.passkeys': 'Llaves de acceso',
  'page.account.passkeys_intro':
    'Una llave de acceso le permite iniciar sesión con su huella digital, su cara o el PIN de su dispositivo en lugar de una contraseña, y cuenta como verificación en dos pasos.',
  'page.account.no_passkeys': 'Todavía no tiene ninguna llave de acceso.',
  'page.account.passkey': '{name}, agregada el {date}',
  'page.account.passkey_rename_label': 'Nombre nuevo para {name}',
  'page.account.passkey_rename': 'Cambiar el nombre de {name}',
  'page.account.passkey_remove': 'Eliminar {name}',
  'page.account.add_passkey': 'Agregar una llave de acceso',
  'page.account.notifications': 'Avisos',
  'page.account.notifications_intro':
    'Los avisos de seguridad (una contraseña nueva, un cambio de contacto) se envían siempre. Elija qué más pueden enviarle sus consultorios a través de nosotros.',
  'page.account.notifications_legend': 'Enviarme',
  'page.account.save_notifications': 'Guardar las preferencias de avisos',
  'page.account.sessions': 'Dónde tiene la sesión abierta',
  'page.account.session': '{device}, sesión iniciada el {date} (UTC)',
  'page.account.unknown_device': 'Dispositivo desconocido',
  'page.account.this_device': '(este dispositivo)',
  'page.account.sign_out_everywhere': 'Cerrar la sesión en todos los dispositivos',
  'page.account.apps': 'Aplicaciones con acceso a su cuenta',
  'page.account.no_apps': 'Ninguna aplicación tiene acceso a su cuenta.',
  'page.account.remove_app': 'Quitar el acceso de {app}',
  'page.account.activity': 'Actividad de seguridad reciente',
  'page.account.activity_entry': '{date} (UTC): {what}, {outcome}, {device}',
  'page.account.duplicate': '¿Tiene otra cuenta con sus expedientes?',
  'page.account.duplicate_intro':
    'Si creó una segunda cuenta por error, pase los expedientes de esta cuenta a la otra: inicie sesión en la otra cuenta aquí abajo y confirme. Después, esta cuenta se cierra.',
  'page.account.merge': 'Pasar mis expedientes a esa cuenta',
  'page.account.leave': 'Desactivar o cerrar su cuenta',
  'page.account.deactivate_intro':
    'Al desactivarla se cierra su sesión en todas partes y nadie puede iniciar sesión hasta que restablezca su contraseña con “¿Olvidó su contraseña?”. Sus expedientes siguen vinculados.',
  'page.account.deactivate': 'Desactivar mi cuenta',
  'page.account.close_intro':
    'Al cerrarla pierde el acceso a todos los expedientes y borramos para siempre sus datos personales de este servicio. Sus consultorios conservan sus expedientes médicos.',
  'page.account.close': 'Cerrar mi cuenta y darme de baja',
  'page.account.confirm_deactivation_heading': '¿Desactivar su cuenta?',
  'page.account.confirm_deactivation_1': 'Se cierra ahora su sesión en todos los dispositivos y aplicaciones.',
  'page.account.confirm_deactivation_2': 'Nadie puede iniciar sesión en esta cuenta, tampoco usted.',
  'page.account.confirm_deactivation_3': 'Sus expedientes siguen vinculados; sus consultorios ven la cuenta como desactivada.',
  'page.account.confirm_deactivation_4': 'Para volver a usarla, restablezca su contraseña con “¿Olvidó su contraseña?”.',
  'page.account.confirm_deactivation': 'Desactivar mi cuenta',
  'page.account.confirm_closure_heading': '¿Cerrar su cuenta y darse de baja?',
  'page.account.confirm_closure_1':
    'Terminan todos los vínculos con expedientes: ya no verá ningún expediente aquí, y avisamos a sus consultorios.',
  'page.account.confirm_closure_2': 'Todas las aplicaciones pierden el acceso y se cierra su sesión en todos los dispositivos.',
  'page.account.confirm_closure_3':
    'Se borran su nombre de usuario, nombre, correo electrónico, teléfono, contraseña y pregunta de seguridad; no se envían más correos ni mensajes de texto.',
  'page.account.confirm_closure_4':
    'Queda un registro de los eventos de seguridad, solo con el número de cuenta, como lo exige la ley. Esto no se puede deshacer.',
  'page.account.confirm_closure': 'Cerrar mi cuenta',
  'page.account.confirm_merge_heading': '¿Pasar sus expedientes a su otra cuenta?',
  'page.account.confirm_merge_text':
    '{records, plural, one {Su expediente pasa} other {Sus # expedientes pasan}} a la cuenta {username}.',
  'page.account.confirm_merge_1': 'Sus consultorios verán los expedientes vinculados a su otra cuenta.',
  'page.account.confirm_merge_2': 'Se cierra la sesión de ambas cuentas en todos los dispositivos y aplicaciones.',
  'page.account.confirm_merge_3': 'Después, esta cuenta se cierra y se borran sus datos personales.',
  'page.account.confirm_merge_4': 'De ahora en adelante, inicie sesión con su otra cuenta.',
  'page.account.confirm_merge': 'Pasar mis expedientes y cerrar esta cuenta',
  'page.account.keep': 'Cancelar: dejar mi cuenta como está',
  'page.account.phone_code_intro':
    'Enviamos un código de 6 dígitos por mensaje de texto al {phone}. Escríbalo para confirmar su número nuevo.',
  'page.account.keep_phone': 'Cancelar: conservar mi número actual',
  'page.account.ended_signed_out_heading': 'Se cerró su sesión en todas partes',
  'page.account.ended_signed_out':
    'Se cerró la sesión en todos los dispositivos y aplicaciones conectados a su cuenta. Vuelva a iniciar sesión desde su portal del paciente.',
  'page.account.ended_deactivated_heading': 'Su cuenta está desactivada',
  'page.account.ended_deactivated':
    'Ahora nadie puede iniciar sesión en ella. Para volver a usarla, restablezca su contraseña con “¿Olvidó su contraseña?”.',
  'page.account.ended_closed_heading': 'Su cuenta está cerrada',
  'page.account.ended_closed':
    'Terminó su acceso a los expedientes y se borraron sus datos personales. Sus consultorios conservan sus expedientes médicos.',
  'page.account.ended_merged_heading': 'Sus expedientes se pasaron',
  'page.account.ended_merged':
    'Sus expedientes están ahora en su otra cuenta, y esta se cerró. Inicie sesión con su otra cuenta.',
  'page.account.email_link_heading': 'Confirme su correo electrónico',
  'page.account.email_link_intro': 'Confirme que este correo electrónico debe ser el de su cuenta del portal del paciente.',
  'page.account.email_link_confirm': 'Confirmar el correo electrónico',
  'page.account.email_confirmed': 'Se confirmó su correo electrónico.',
  'page.account.back': 'Volver a su cuenta',
  'activity.signin_login': 'Inicio de sesión',
  'activity.settings': 'Cambio en la cuenta',
  'activity.recovery': 'Recuperación de contraseña o de nombre de usuario',
  'activity.registration': 'Registro',
  'activity.operator': 'Cambio hecho por el equipo de soporte',
  'activity.outcome_success': 'correcto',
  'activity.outcome_failure': 'fallido',
  'layout.footer_nav': 'Ayuda y cuenta',
  'layout.language': 'Idioma',
  'layout.help': 'Ayuda',
  'layout.account': 'Su cuenta',
  'layout.records_source': 'De dónde viene su información',
  'layout.security': 'Cómo protegemos sus expedientes',
  'page.home.title': 'Bienvenido',
  'page.home.heading': 'Su cuenta del portal del paciente',
  'page.home.intro':
    'Este servicio le permite iniciar sesión en el portal del paciente de su médico y en las aplicaciones de salud que usted elija. El consultorio de su médico lo inscribe; usted se registra una vez con el correo que le envían.',
  'page.home.start_heading': '¿Qué quiere hacer?',
  'page.home.account': 'Ver y administrar su cuenta',
  'page.home.recover': 'Restablecer su contraseña o encontrar su nombre de usuario',
  'page.home.register': 'Registrarse con el correo del consultorio de su médico',
  'page.home.help': 'Ayuda con su cuenta',

  // --- ayuda ----------------------------------------------------------------------------------------------
  'page.help.title': 'Ayuda',
  'page.help.heading': 'Cuentas y configuración: ayuda',
  'page.help.intro': 'Respuestas a las preguntas que más hacen los pacientes sobre su cuenta del portal.',
  'page.help.topics': 'Temas',
  'page.help.back': 'Todos los temas de ayuda',
  'help.t1.q': '¿Por qué tengo que restablecer mi contraseña?',
  'help.t1.a':
    'Restablézcala si la olvidó, si el inicio de sesión se detuvo después de varios intentos fallidos o si cree que otra persona la conoce. <a>Restablezca su contraseña</a> por correo electrónico o, sin correo, con su teléfono y su pregunta de seguridad.',
  'help.t2.q': '¿Cómo creo un correo electrónico único para entrar al portal?',
  'help.t2.a':
    'Cada cuenta inicia sesión con su propio nombre de usuario, que puede ser un correo electrónico. Los familiares que comparten un correo pueden elegir cada uno un nombre de usuario distinto. Puede cambiar su correo o su nombre de usuario en <a>la página de su cuenta</a>.',
  'help.t3.q': 'Cuando mi médico ya me inscribió, ¿qué tengo que hacer para configurar mi cuenta?',
  'help.t3.a':
    'Abra el correo de registro del consultorio de su médico y seleccione Ver sus expedientes. Verifique su identidad con su fecha de nacimiento y su PIN (o con su teléfono y un código por texto); después vincule los expedientes a una cuenta que ya tenga o cree una.',
  'help.t4.q': '¿Cómo vinculo mis expedientes y los de mi familia en una sola cuenta?',
  'help.t4.a':
    'Al registrarse con cada correo de un consultorio, elija Vincular a una cuenta que ya tengo e inicie sesión: los expedientes se suman a esa cuenta. Un consultorio puede inscribir a su hijo o dependiente con usted como su padre, madre o representante.',
  'help.t5.q': 'No tengo acceso a mi correo electrónico para restablecer mi contraseña o recuperar mi nombre de usuario',
  'help.t5.a':
    'Use ¿No tiene acceso a su correo electrónico? en la <a>página para restablecer</a>: escriba el teléfono y la fecha de nacimiento registrados, el código que le enviamos por texto y su respuesta de seguridad. Sin correo ni teléfono, pida al consultorio de su médico que lo inscriba de nuevo: con el correo nuevo podrá restablecer su contraseña.',
  'help.t6.q': '¿Cómo veo los varios expedientes que vinculé a una sola cuenta?',
  'help.t6.a':
    'Su portal muestra todos los expedientes vinculados; cuando una aplicación pregunta qué paciente abrir, usted elige. <a>La página de su cuenta</a> los muestra por consultorio y por persona.',
  'help.t7.q': '¿Cómo puedo restablecer mi cuenta?',
  'help.t7.a':
    '<a>Restablezca su contraseña</a> para recuperar el acceso (también reactiva una cuenta desactivada). Para unir una segunda cuenta con la primera, o para cerrarla, use la página de su cuenta.',
  'help.t8.q': '¿Cómo cambio mis datos de contacto?',
  'help.t8.a':
    'En <a>la página de su cuenta</a>, en Datos de contacto: un correo nuevo se confirma con un enlace que le enviamos, y un teléfono nuevo con un código por texto. Avisamos a su correo o número anterior.',
  'help.t9.q': '¿Cómo obtengo un nombre de usuario o una contraseña? Nunca los recibí',
  'help.t9.a':
    'Usted los elige al registrarse con el correo del consultorio de su médico. ¿Los olvidó? <a>Encuentre su nombre de usuario o restablezca su contraseña</a>. ¿Nunca le llegó el correo? Pida al consultorio que le envíe uno nuevo.',
  'help.t10.q': '¿Cómo puedo registrar mi cuenta sin un PIN?',
  'help.t10.a':
    'Al verificar su identidad, elija Mi número de teléfono y mi fecha de nacimiento: enviamos un código de seguridad por texto al teléfono que tiene el consultorio de su médico.',
  'help.t11.q': '¿Cómo cierro la sesión de mi cuenta del portal del paciente?',
  'help.t11.a':
    'Use la opción para cerrar sesión de su portal. Para cerrar la sesión en todas partes a la vez (todos los dispositivos y aplicaciones), use Cerrar la sesión en todos los dispositivos en <a>la página de su cuenta</a>.',
  'help.t12.q': '¿De dónde viene esta información médica y cómo la corrijo?',
  'help.t12.a':
    'Del sistema de expedientes médicos del consultorio de su médico; solo el consultorio puede corregirla. <a>De dónde viene su información</a>.',
  'help.t13.q': '¿Cómo creo una cuenta para mi hijo o hija?',
  'help.t13.a':
    'Pida al consultorio del médico de su hijo o hija que lo inscriba con usted como padre o madre. Abra el correo que le envían y vincule los expedientes de su hijo o hija a su cuenta.',
  'help.t14.q': 'Se me pasó el código de seguridad al verificar mi identidad. ¿Cómo pido uno nuevo?',
  'help.t14.a':
    'Seleccione Enviar un código nuevo en la página del código (30 segundos después del anterior, hasta 5 en 10 minutos), o use su PIN.',
  'help.t15.q': 'Ahora no tengo acceso al número de teléfono registrado. ¿Cómo me registro?',
  'help.t15.a':
    'Regístrese con su fecha de nacimiento y el PIN del consultorio de su médico, y pida al consultorio que actualice su número de teléfono.',
  'help.t16.q': 'Por error creé una cuenta nueva en lugar de vincularme a la que ya tenía. ¿Cómo vinculo las cuentas?',
  'help.t16.a':
    'Inicie sesión en la cuenta nueva, abra <a>la página de su cuenta</a> y, en ¿Tiene otra cuenta con sus expedientes?, inicie sesión en su otra cuenta y confirme: los expedientes pasan allí y la cuenta nueva se cierra.',
  'help.t17.q': 'Me mudé y tengo otro número de teléfono. ¿Cómo entro a mis expedientes?',
  'help.t17.a':
    'Inicie sesión como siempre y cambie su número en <a>la página de su cuenta</a>. Avise también al consultorio de su médico, para que su expediente lo tenga.',
  'help.t18.q': '¿Cómo desactivo mi cuenta del portal del paciente?',
  'help.t18.a':
    'En <a>la página de su cuenta</a>, seleccione Desactivar mi cuenta y confirme. Para volver a usarla, restablezca su contraseña.',
  'help.t19.q': '¿Puedo elegir mis preferencias de avisos?',
  'help.t19.a':
    'Sí: en Avisos, en <a>la página de su cuenta</a>, elija los correos y mensajes de texto que quiere recibir. Los avisos de seguridad se envían siempre.',
  'help.t20.q': '¿Cómo me inscribo para tener una cuenta del portal del paciente?',
  'help.t20.a':
    'Pida al consultorio de su médico que le dé acceso: le enviarán un correo de registro y usted se registra desde ese correo.',
  'help.t21.q': '¿Cómo cambio mi nombre de usuario?',
  'help.t21.a': 'En <a>la página de su cuenta</a>, en Inicio de sesión. El nombre anterior deja de funcionar de inmediato.',
  'help.t22.q': '¿Cómo se protegen mis expedientes médicos?',
  'help.t22.a': 'Lea <a>cómo protegemos sus expedientes</a>, en palabras sencillas.',
  'help.t23.q': '¿Cómo me doy de baja de todo el portal del paciente?',
  'help.t23.a':
    'En <a>la página de su cuenta</a>, seleccione Cerrar mi cuenta y darme de baja: termina todo acceso, se borran sus datos personales y no se envían más correos ni mensajes de texto.',
  'help.t24.q': '¿Se puede usar el mismo correo electrónico para dar acceso a varios expedientes (familiares)?',
  'help.t24.a':
    'Sí. Un consultorio puede enviar varios correos de registro a una misma dirección; vincúlelos todos a una cuenta, o dé a cada persona su propio nombre de usuario.',
  'help.t25.q': '¿Qué pasa si borré el correo de registro?',
  'help.t25.a':
    'Pida al consultorio de su médico que le envíe uno nuevo. El correo nuevo trae un enlace y un PIN nuevos, y el enlace anterior deja de funcionar.',
  'help.t26.q': 'Mi contraseña no cumple los requisitos de seguridad',
  'help.t26.a':
    'Use al menos 8 caracteres, con una letra MAYÚSCULA y un número o símbolo. No puede ser una contraseña común ni contener su nombre de usuario.',
  'help.t27.q': '¿Cómo registro mi cuenta?',
  'help.t27.a':
    'Abra el correo del consultorio de su médico, seleccione Ver sus expedientes, verifique su identidad y luego vincule los expedientes a una cuenta que ya tenga o cree una nueva (pregunta de seguridad, nombre de usuario, contraseña). Después queda con la sesión iniciada.',
  'help.t28.q': '¿Cómo entro a mis expedientes?',
  'help.t28.a':
    'Inicie sesión en el portal del paciente de su médico o en una aplicación de salud de su confianza. <a>La página de su cuenta</a> muestra qué expedientes puede ver su cuenta.',
  'page.help_records.title': 'De dónde viene su información',
  'page.help_records.heading': 'De dónde viene su información médica',
  'page.help_records.p1':
    'Sus expedientes médicos vienen del consultorio de su médico: su sistema de expedientes electrónicos los comparte con su portal cuando le dan acceso.',
  'page.help_records.p2':
    'Nosotros no cambiamos sus expedientes. Si algo está mal o falta, llame al consultorio de su médico: solo ellos pueden corregirlo, y la corrección llega a su portal desde allí.',
  'page.help_records.p3':
    'Su cuenta (nombre de usuario, contactos, contraseña, preferencias) es nuestra; usted la cambia en la página de su cuenta.',
  'page.help_records.p4':
    'Cada consultorio decide quién puede ver los expedientes que comparte (usted, o usted por su hijo o hija) y puede terminar ese acceso.',
  'page.help_security.title': 'Cómo protegemos sus expedientes',
  'page.help_security.heading': 'Cómo protegemos sus expedientes',
  'page.help_security.stored_heading': 'Qué guardamos',
  'page.help_security.stored':
    'Su nombre de usuario, los contactos que nos dio, sus preferencias de avisos y qué expedientes puede ver su cuenta. Sus expedientes médicos se quedan en el consultorio de su médico.',
  'page.help_security.passwords_heading': 'Contraseñas y respuestas',
  'page.help_security.passwords':
    'Su contraseña, sus PIN y su respuesta de seguridad se guardan solo como resúmenes de una sola vía (argon2id): nadie, ni siquiera nosotros, puede leerlos. Varias contraseñas incorrectas seguidas detienen el inicio de sesión.',
  'page.help_security.transit_heading': 'En el camino',
  'page.help_security.transit':
    'Todo lo que viaja entre su navegador, este servicio y sus aplicaciones va cifrado (HTTPS). Las aplicaciones reciben fichas de corta duración, nunca su contraseña.',
  'page.help_security.access_heading': 'Quién puede ver qué',
  'page.help_security.access':
    'Usted elige qué aplicaciones pueden usar su cuenta y puede quitarles el acceso cuando quiera. El consultorio de su médico ve que usted tiene una cuenta, nunca su nombre de usuario ni su contraseña.',
  'page.help_security.audit_heading': 'Un registro de cada inicio de sesión',
  'page.help_security.audit':
    'Registramos cada inicio de sesión, cada intento fallido y cada cambio en la cuenta; usted ve su actividad reciente en la página de su cuenta.',
  'page.help_security.you_heading': 'Qué puede hacer usted',
  'page.help_security.you':
    'Use una contraseña que no use en ningún otro lugar, mantenga al día su correo y su teléfono, y cierre la sesión en todos los dispositivos si cree que otra persona usó su cuenta.',

  // --- registro ------------------------------------------------------------------------------------------
  'page.registration.title': 'Registrarse',
  'page.awaiting_verification_method.heading': 'Verifique su identidad',
  'page.awaiting_verification_method.intro':
    '{whose, select, self {Para proteger sus expedientes médicos, primero confirme quién es usted.} other {Estos son los expedientes médicos de {person}. Para protegerlos, primero confirme quién es usted.}}',
  'page.registration.office_phone': '¿Preguntas sobre sus expedientes o este registro? Llame a {practice} al {phone}.',
  'page.registration.office_hours': 'Horario del consultorio: {hours}',
  'page.registration.records_of':
    '{whose, select, self {Sus expedientes médicos} other {Expedientes médicos de {person}}} · {practice}',
  'page.registration.date_of_birth': '{whose, select, self {Fecha de nacimiento} other {Fecha de nacimiento de {person}}}',
  'page.awaiting_verification_method.pin': 'Mi fecha de nacimiento y el PIN del consultorio de mi médico',
  'page.awaiting_verification_method.sms':
    'Mi número de teléfono y mi fecha de nacimiento (le enviamos un código de seguridad por texto)',
  'page.awaiting_verification_method.continue': 'Continuar',
  'page.awaiting_pin.heading':
    '{whose, select, self {Escriba su fecha de nacimiento y su PIN} other {Escriba la fecha de nacimiento de {person} y el PIN}}',
  'page.awaiting_pin.submit': 'Verificar',
  'page.awaiting_pin.use_sms': 'Verificar con mi número de teléfono',
  'page.awaiting_phone.heading': 'Verifique con su teléfono',
  'page.awaiting_phone.intro':
    '{whose, select, self {Escriba el número de teléfono y la fecha de nacimiento que tiene el consultorio de su médico.} other {Escriba el número de teléfono que tiene el consultorio y la fecha de nacimiento de {person}.}} Le enviaremos un código de seguridad por mensaje de texto.',
  'page.awaiting_phone.submit': 'Enviar el código de seguridad',
  'page.awaiting_phone.use_pin': 'No tengo acceso a este teléfono: usar mi PIN',
  'page.awaiting_sms_code.heading': 'Escriba su código de seguridad',
  'page.awaiting_sms_code.intro':
    'Si los datos coinciden con nuestros registros, enviamos un código de 6 dígitos al {phone}. Vence en 10 minutos.',
  'page.awaiting_sms_code.your_phone': 'su teléfono',
  'page.awaiting_sms_code.submit': 'Verificar',
  'page.awaiting_sms_code.missed': 'No recibí mi código de seguridad',
  'page.awaiting_sms_code.resend': 'Enviar un código nuevo',
  'page.awaiting_sms_code.other_phone': 'Usar otro número de teléfono',
  'page.awaiting_sms_code.use_pin': 'Usar mi PIN',
  'page.awaiting_account_choice.heading': 'Verificamos su identidad',
  'page.awaiting_account_choice.link_hint':
    'Una sola cuenta puede mostrar expedientes de varios médicos y de sus familiares, como sus hijos.',
  'page.awaiting_account_choice.continue': 'Continuar',
  'page.awaiting_account_choice.already_yours':
    'Estos expedientes ya pertenecen a una cuenta del portal del paciente. Vincúlelos iniciando sesión en ella; si no puede iniciar sesión, restablezca aquí su contraseña y entrará con ella.',
  'page.awaiting_account_choice.reset_hint': 'Se cerrará la sesión en todos los dispositivos conectados a esa cuenta.',
  'page.awaiting_reset_password.heading': 'Elija una contraseña nueva',
  'page.awaiting_reset_password.intro':
    'Elija una contraseña nueva para la cuenta que tiene estos expedientes. Entrará con ella, y se cerrará la sesión en todos los demás dispositivos.',
  'page.awaiting_reset_password.submit': 'Guardar la contraseña e iniciar sesión',
  'page.awaiting_reset_password.create_instead': 'Crear una cuenta nueva',
  'page.awaiting_link_login.heading': 'Vincular a su cuenta',
  'page.awaiting_link_login.intro': 'Inicie sesión en la cuenta a la que quiere sumar estos expedientes.',
  'page.awaiting_link_login.submit': 'Vincular los expedientes',
  'page.awaiting_link_login.create_instead': 'No tengo cuenta: crear una',
  'page.awaiting_new_account.heading': 'Cree su cuenta',
  'page.awaiting_new_account.step_question': '1. Pregunta de seguridad',
  'page.awaiting_new_account.step_username': '2. Nombre de usuario',
  'page.awaiting_new_account.step_password': '3. Contraseña',
  'page.awaiting_new_account.submit': 'Crear la cuenta',
  'page.awaiting_new_account.link_instead': 'Ya tengo una cuenta: vincular estos expedientes a ella',
  'page.completed.created_heading': 'Ya está registrado',
  'page.completed.created_text': 'Su cuenta está lista y sus expedientes médicos están vinculados a ella.',
  'page.completed.linked_heading': 'Sus expedientes están vinculados',
  'page.completed.linked_text': 'Estos expedientes médicos ahora forman parte de la cuenta que ya tenía.',
  'page.completed.reset_heading': 'Se cambió su contraseña',
  'page.completed.reset_text':
    'Se cerró la sesión en todos los demás dispositivos, y estos expedientes médicos están vinculados a su cuenta.',
  'page.completed.continue': 'Continuar a sus expedientes',
  'page.locked.heading': 'Registro bloqueado',
  'page.locked.text':
    'Por su seguridad dejamos de aceptar intentos para este registro. El consultorio de su médico puede enviarle un nuevo correo de registro.',
  'page.done.created_heading': 'Ya está registrado',
  'page.done.created_text': 'Su cuenta está lista. Abra el portal del paciente de su médico y entrará con su sesión iniciada.',
  'page.done.linked_heading': 'Sus expedientes están vinculados',
  'page.done.linked_text':
    'Estos expedientes médicos ahora forman parte de la cuenta que ya tenía. Abra el portal del paciente de su médico para verlos.',
  'page.done.reset_heading': 'Se cambió su contraseña',
  'page.done.reset_text':
    'Se cerró la sesión en todos los demás dispositivos, y estos expedientes médicos están vinculados a su cuenta. Abra el portal del paciente de su médico y entrará con su sesión iniciada.',
  'page.done.enjoy': '¡Disfrute de sus expedientes médicos!',
  'page.done.demo_portal': 'Abrir el portal de demostración',
  'page.link_unusable.title': 'Enlace de registro',
  'page.link_unusable.sign_in': 'Iniciar sesión en su cuenta',
  'page.link_unusable.help': 'Ayuda para registrarse',
  'page.link_unusable.text':
    'Cada correo de registro se puede usar una sola vez. Si ya se registró, inicie sesión desde el portal del paciente de su médico.',

  // --- mensajes al paciente --------------------------------------------------------------------------------
  'sms.registration_code':
    '{code} es su código de seguridad del portal del paciente para {practice}. Vence en 10 minutos. No lo comparta con nadie.',
  'email.recovery.subject': 'Restablezca su contraseña del portal del paciente',
  'email.recovery.heading': 'Elija una contraseña nueva',
  'email.recovery.intro':
    'Alguien pidió restablecer la contraseña de la cuenta {username} del portal del paciente. Si fue usted, elija una contraseña nueva con el botón de abajo.',
  'email.recovery.expiry':
    'El botón funciona una sola vez, durante 30 minutos. Si usted no lo pidió, ignore este correo: su contraseña no cambia.',
  'email.recovery.button': 'Elegir una contraseña nueva',
  'email.recovery.why':
    'Recibió este correo porque se pidió restablecer la contraseña de una cuenta con este correo electrónico.',
  'email.username.subject': 'Su nombre de usuario del portal del paciente',
  'email.username.heading': 'Su nombre de usuario',
  'email.username.intro': 'Estos nombres de usuario del portal del paciente están vinculados a este correo electrónico:',
  'email.username.sign_in': 'Inicie sesión con uno de ellos en {issuer}. Si usted no pidió este recordatorio, puede ignorarlo.',
  'email.username.why': 'Recibió este correo porque se pidió un recordatorio del nombre de usuario para este correo electrónico.',
  'email.password_changed.subject': 'Se cambió su contraseña del portal del paciente',
  'email.password_changed.heading': 'Se cambió su contraseña',
  'email.password_changed.intro':
    'Se acaba de cambiar la contraseña de su cuenta {username} del portal del paciente, y se cerró la sesión en todos los dispositivos conectados a ella.',
  'email.password_changed.not_you':
    'Si usted no la cambió, restablezca ahora su contraseña con “¿Olvidó su contraseña?” en la página de inicio de sesión, y llame al consultorio de su médico.',
  'email.password_changed.why': 'Recibió este correo porque es el correo electrónico registrado de esta cuenta.',
  'email.confirm_email.subject': 'Confirme su nuevo correo electrónico',
  'email.confirm_email.heading': 'Confirme su correo electrónico',
  'email.confirm_email.intro':
    'La cuenta {username} del portal del paciente pidió usar este correo electrónico. Confírmelo con el botón de abajo.',
  'email.confirm_email.button': 'Confirmar este correo electrónico',
  'email.confirm_email.why':
    'Recibió este correo porque alguien escribió esta dirección en una cuenta del portal del paciente. Si no fue usted, ignórelo.',
  'email.changed.subject': 'Un cambio en su cuenta del portal del paciente',
  'email.changed.email': 'Se cambió el correo electrónico de su cuenta del portal del paciente.',
  'email.changed.phone': 'Se cambió el número de teléfono de su cuenta del portal del paciente.',
  'email.changed.username': 'Se cambió el nombre de usuario de su cuenta del portal del paciente.',
  'email.changed.security_question': 'Se cambió la pregunta de seguridad de su cuenta del portal del paciente.',
  'email.changed.second_factor_added': 'Se activó la verificación en dos pasos en su cuenta del portal del paciente.',
  'email.changed.second_factor_removed': 'Se desactivó la verificación en dos pasos en su cuenta del portal del paciente.',
  'email.changed.recovery_codes':
    'Se crearon códigos de recuperación nuevos para su cuenta del portal del paciente; los anteriores ya no funcionan.',
  'email.changed.deactivated': 'Se desactivó su cuenta del portal del paciente. Restablezca su contraseña para volver a usarla.',
  'email.changed.closed': 'Se cerró su cuenta del portal del paciente y se borraron sus datos personales.',
  'email.changed.merged': 'Su cuenta del portal del paciente se unió a su otra cuenta y se cerró.',
  'sms.settings_code': 'Su código del portal del paciente para confirmar este número de teléfono es {code}. Vence en 10 minutos.',
  'sms.recovery_code':
    'Su código para restablecer la contraseña del portal del paciente es {code}. Vence en 10 minutos. No lo comparta con nadie.',
  'sms.password_changed':
    'Se acaba de cambiar su contraseña del portal del paciente. Si no fue usted, restablézcala con “¿Olvidó su contraseña?” y llame al consultorio de su médico.',
  'email.registration.subject':
    '{whose, select, self {Vea sus expedientes médicos de {practice}} other {Vea los expedientes médicos de {person} de {practice}}}',
  'email.registration.heading':
    '{whose, select, self {Sus expedientes médicos están listos} other {Los expedientes médicos de {person} están listos}}',
  'email.registration.intro':
    '{whose, select, self {{practice} le dio acceso a sus expedientes médicos en el portal del paciente.} other {{practice} le dio acceso a los expedientes médicos de {person} en el portal del paciente.}}',
  'email.registration.how':
    'Para registrarse, seleccione el botón de abajo. Confirmará quién es usted con el PIN que le dio el consultorio de su médico, o con un código de seguridad que le enviaremos a su teléfono.',
  'email.registration.how_text':
    'Para registrarse, abra el enlace de abajo (“Ver sus expedientes”). Confirmará quién es usted con el PIN que le dio el consultorio de su médico, o con un código de seguridad que le enviaremos a su teléfono.',
  'email.registration.button': 'Ver sus expedientes',
  'email.registration.expiry':
    'Este enlace se puede usar una sola vez y vence el {date}. Si ya venció, pida al consultorio de su médico que lo inscriba de nuevo.',
  'email.registration.copy_link': 'Si el botón no funciona, copie esta dirección en su navegador:',
  'email.registration.why':
    'Recibió este correo porque {practice} lo inscribió en el portal del paciente. Si no lo esperaba, puede ignorarlo.',

  // --- páginas de desarrollo (nunca en producción) ---------------------------------------------------------
  'page.dev_outbox.title': 'Bandeja de salida de desarrollo',
  'page.dev_outbox.intro': 'Mensajes que envió este servidor (solo en modo de desarrollo). Los más recientes primero.',
  'page.dev_outbox.empty': 'Todavía no se envió nada.',
  'page.dev_outbox.sms': 'Mensaje de texto',
  'page.dev_outbox.meta': 'Para: {to} · {channel} · {at}',
  'page.demo_portal.title': 'Portal de demostración',
  'page.demo_portal.heading': 'Portal del paciente de demostración',
  'page.demo_portal.hint': 'Solo para desarrollo: una aplicación que inicia sesión a través de este servidor.',
  'page.demo_portal.signed_in': 'Sesión iniciada como <b>{user}</b>',
  'page.demo_portal.records': 'Sus expedientes',
  'page.demo_portal.record': '{name} · {relationship} · {practice}',
  'page.demo_portal.no_records': 'Todavía no hay expedientes vinculados a esta cuenta.',
  'page.demo_portal.sign_out': 'Cerrar sesión',
  'page.demo_portal.sign_in': 'Iniciar sesión',
  'page.demo_portal.register': 'Registrarse con el enlace del consultorio de su médico',
  'page.demo_portal.not_started': 'Este inicio de sesión no empezó aquí. Vuelva a empezar.',
  'page.demo_portal.failed': 'No se pudo iniciar sesión: {reason}',
};
