//! The phrase lexicon: word classes ("concepts") in nine languages.
//!
//! Rules (see [`crate::rules`]) combine concepts by proximity — an override verb followed by an
//! instruction noun within a few words, near a "previous/your" qualifier — so one rule covers
//! thousands of phrasings and translations instead of memorizing attack strings.
//!
//! Syntax, one concept per `@name` block, one language per line (`lang: term | term`; the
//! separator is space-bar-space, so a bare `|` can be part of a token such as `<|im_start|>`):
//! - `word`   whole word (or whole phrase), word boundaries on both sides;
//! - `stem*`  word prefix: `ignor*` matches ignore, ignoring, ignored, ignora…;
//! - `=raw`   no boundary checks (template tokens);
//! - `^raw`   at the start of a line.
//!
//! Terms go through the same normalization as inspected text, so they are written in plain
//! lower case; accents, full-width forms etc. are handled by the normalizer. Language `*` is
//! language-neutral.

pub(crate) const LEXICON: &str = r#"

@override_verb
en: ignor* | disregard* | forget* | forgot | overrid* | overrul* | bypass* | skip | discard* | abandon* | neglect* | set aside | put aside | leave behind | shelve | throw out | throw away | revoke | cancel | nullify | dismiss | erase | wipe | delete | nullify | circumvent* | disobey* | pay no attention to | pay zero attention to | pay no heed to | take no notice of | no attention to | stop following | stop obeying | no longer follow | no longer obey | do not follow | don't follow | dont follow | do not obey | don't obey | supersede* | scrap | ditch | drop | wipe out | withdraw | rescind* | scratch | put to one side | set to one side | to one side | put on hold | on hold | suspend | do not listen to | don't listen to | dont listen to | stop listening to | refuse to comply with | refuse to follow | refuse to obey | do not comply with | don't comply with | stop complying with | no need to follow | don't need to follow | do not need to follow | need not follow | no longer need to follow | don't have to follow | do not have to follow | no longer have to follow | don't bother with | stop adhering to | do not adhere to | let go of | move past | move beyond | step outside | step out of | break out of | break free of | deviate from | depart from | clear your memory of | wipe your memory of | reset your | break character from | break from | step away from | stray from | break | overlook | never mind | nevermind | release you from | free you from | relieve you of | stop pretending to follow | stop pretending to obey | stop pretending to care about | forget about
es: ignor* | olvid* | descart* | omit* | pasa por alto | pase por alto | haz caso omiso | hagas caso omiso | no sigas | no siga | deja de seguir | anula* | desobedec* | borra* | salt* | prescinde | deja de obedecer | no obedezcas | deja de cumplir | no cumplas | salte de | sal de | no hagas caso | no tengas en cuenta | deja de lado | olvidate de | olvidate
fr: ignor* | oubli* | ne tiens pas compte | ne tenez pas compte | ne tiens plus compte | fais abstraction | faites abstraction | neglig* | contourn* | passe outre | passez outre | annul* | efface* | ne suis plus | ne suivez plus | ecarte* | arrete de suivre | arretez de suivre | cesse de suivre | cessez de suivre | n'obeis plus | arrete d'obeir | sors de | laisse de cote | laissez de cote | ne prends pas en compte | ne prenez pas en compte | oubliez | mets de cote
de: ignorier* | vergiss | vergesst | vergessen | missacht* | ubersieh | uberseh* | verwirf | verwerft | ubergeh* | umgeh* | losch* | nicht mehr befolgen | befolge nicht | befolgen sie nicht | ausser acht | hor auf | hort auf | horen sie auf | gehorche nicht | folge nicht | setze ausser kraft | beachte nicht | lass beiseite | lasse beiseite | vergessen sie | schieb beiseite
pt: ignor* | esquec* | esqueç* | desconsider* | descart* | despreze | nao sigas | nao siga | pare de seguir | deixe de seguir | anul* | apag* | desobedec* | pare de obedecer | deixe de obedecer | nao obedeca | saia de | nao leve em conta | deixe de lado | nao considere | esquecer | esquece
it: ignor* | dimentic* | trascur* | tralascia* | non seguire | smetti di seguire | annulla* | cancella* | scarta* | aggira* | disobbedisc* | smetti di obbedire | non obbedire | smettila di seguire | esci da | non considerare | lascia perdere | metti da parte | non tenere conto
ru: игнорир* | игнорь | забуд* | забыть | забей | пропуст* | отбрось | отбросьте | не обращай* внимани* | не следуй | перестань следовать | отмени* | обойди | проигнорир* | нарушь | перестань подчиняться | не подчиняйся | перестань слушаться | не слушай | не слушайся | не соблюдай | перестань соблюдать | не учитывай | не принимай во внимание | выбрось из головы
zh: 忽略 | 忽视 | 忽視 | 无视 | 無視 | 忘记 | 忘記 | 忘掉 | 不要理会 | 不理会 | 别管 | 抛开 | 拋開 | 绕过 | 繞過 | 跳过 | 不要遵守 | 不再遵守 | 不要遵循 | 停止遵循 | 放弃 | 丢弃 | 作废 | 不要再服从 | 不再服从 | 别再服从 | 不要服从 | 停止服从 | 不要再遵守 | 别再遵守 | 不要听从 | 不再听从 | 解除 | 不用管 | 别理 | 不要管 | 放下 | 不必遵守 | 不用遵守 | 无需遵守 | 不需要遵守
ja: 無視 | 忘れ | 従わな | 従うな | 破棄 | 取り消 | 放棄 | 無効に | 捨て | 従うのはやめ | 従うのをやめ | 従わないで | 守らなくてい | 解除 | 無効化 | 気にしないで | 気にせず | 従わなくていい | 従う必要はありません | 守る必要はない | 従う必要はない

@prior_qualifier
en: previous* | prior | above | earlier | preceding | foregoing | original | initial | all | your | system | starting | first | before | beforehand | at the start | at the beginning | you started with | you began with | they gave you | you were handed | handed to you | existing | default | preset | built-in | hidden | before this | so far | until now | given to you | you were given | you've been given | you have been given | you received | from your developers | from openai | from anthropic | developer | developers | developer's | the developer | operator | operator's | creators | your creators | you got | you were configured with | configured with | the system | admin's | safety | assigned | you were loaded with | loaded with | you were initialized with | initialized with | you were primed with | primed with
es: anterior* | previa* | previo* | todas | todos | tus | sus | de arriba | original* | inicial* | del sistema | dadas | recibidas | hasta ahora | que te dieron | inicial | iniciales | del desarrollador | la configuracion
fr: precedent* | anterieur* | ci-dessus | toutes | tous | tes | vos | originales | initiales | du systeme | recues | donnees | jusqu'ici | jusqu'a present | ta | ton | votre | initiale | initial | du developpeur
de: vorherig* | vorigen | fruher* | obig* | bisherig* | alle | deine* | ihre | ursprunglich* | anfanglich* | vorangegangen* | oben | system* | gegebenen | deinen | deiner | des entwicklers | anfangliche
pt: anterior* | previa* | todas | todos | suas | tuas | acima | originais | iniciais | do sistema | recebidas | ate agora | que recebeu | inicial | sua | seu | do desenvolvedor
it: precedent* | anterior* | tutte | tutti | tue | sue | sopra | originali | iniziali | del sistema | ricevute | finora | che hai ricevuto | iniziale | la tua | il tuo | dello sviluppatore
ru: предыдущ* | прежн* | все | всё | твои | ваши | свои | вышеуказанн* | выше | исходн* | изначальн* | системн* | ранее | полученн* | свою | твою | начальн* | разработчик*
zh: 之前 | 以前 | 先前 | 上面 | 以上 | 前面 | 所有 | 全部 | 一切 | 原来 | 原有 | 原始 | 系统 | 系統 | 你的 | 此前 | 上述 | 先前的 | 初始 | 开发者 | 開發者 | 系统的
ja: 以前 | 前の | これまで | 上記 | 上の | 全て | すべて | 全部 | 元の | 最初の | システム | あなたの | 今まで | 先ほど | 最初 | 開発者 | システムの

@instruction_noun
en: instruction* | directive* | directions | rules | rule | guideline* | guidance | briefing | mandate | setup instructions | prompt | prompts | safety | safety guidelines | original task | current task | assigned task | user's request | user request | user's question | setup prompt | command* | constraint* | restriction* | guardrail* | policy | policies | programming | orders | system message | system prompt | training | safety filter* | filters | limitation* | conditioning | what you were told | what you've been told | everything above | configuration | setup text | setup message | initial prompt | developer message | developer instructions | the role you were given | role you were given | your assigned role | your original role | what the developer told you | what the developers told you | what the system told you | what your developer told you | what your creators told you | what the operator told you | what they told you | told you before | guardrails | safety policy | safety rules | content policy | moderation | alignment | safety training | you were configured with | configured with | the system told you | the developer told you | the developers told you | the operator told you | your developer told you | your creators told you | persona | your persona | the persona | what the operator configured | what the developer configured | what the developers configured | what your operator configured | what was configured | what they configured | configured earlier | configured before | what was set up | what they set up | what the operator set up | what the developer set up | what you were set up to do | set up to do | brief | rulebook | safety instructions
es: instruccion* | directiva* | reglas | regla | normas | pautas | indicaciones | ordenes | prompt* | restriccion* | limitaciones | politicas | programacion | mensaje del sistema | entrenamiento | configuracion | configuraciones | reglas del sistema | lo que te dijeron | lo que te indicaron | lo que te pidieron
fr: instruction* | consigne* | directive* | regles | regle | prompt* | restriction* | limitations | politique* | programmation | ordres | message systeme | entrainement | configuration | regles du developpeur | ce qu'on t'a dit | ce qu'on t'a demande
de: anweisung* | instruktion* | befehl* | regeln | regel | richtlinie* | vorgaben | vorgabe | prompt* | einschrankung* | beschrankung* | programmierung | systemnachricht | systemprompt | anordnungen | training | konfiguration | einstellungen | systemanweisung* | was man dir gesagt hat | was dir gesagt wurde
pt: instruc* | diretriz* | diretiva* | regras | regra | normas | orientac* | prompt* | restric* | limitac* | politicas | programacao | ordens | mensagem do sistema | treinamento | configuracao | configuracoes | o que te disseram | o que te pediram
it: istruzion* | direttiv* | regole | regola | linee guida | prompt* | restrizion* | limitazion* | politiche | programmazione | ordini | messaggio di sistema | addestramento | configurazione | impostazioni | quello che ti hanno detto | cio che ti hanno detto
ru: инструкц* | указани* | правил* | директив* | промпт* | ограничени* | команд* | установк* | системн* сообщени* | запрет* | настройк* | конфигураци* | что тебе сказали | что тебе говорили
zh: 指令 | 指示 | 说明 | 說明 | 规则 | 規則 | 提示 | 命令 | 设定 | 設定 | 限制 | 约束 | 約束 | 准则 | 準則 | 规定 | 規定 | 系统提示 | 设置 | 初始设定 | 配置 | 之前的设定 | 开发者的规则
ja: 指示 | 命令 | ルール | 規則 | 指令 | 設定 | プロンプト | 制約 | 制限 | ガイドライン | 方針 | 決まり | 初期設定 | 言われたこと | 指示されたこと

@void_predicate
en: void | null and void | outdated | out of date | deprecated | expired | no longer current | no longer apply | no longer applies | no longer valid | no longer in effect | no longer relevant | cancelled | canceled | obsolete | superseded | revoked | invalid | do not apply | don't apply | does not apply | lifted | suspended | deactivated | disabled | overridden | replaced | irrelevant | not binding | no longer binding | non-binding | withdrawn | rescinded | optional | a suggestion | never existed | does not exist | doesn't exist | do not exist | don't exist | doesn't matter | don't matter | does not matter | do not matter | no longer matters | no longer matter | has been reset | have been reset | were reset | was reset | been lifted | are lifted | is lifted | no longer in force | not in force | null | turned off | switched off | removed | erased | wiped | paused | on pause | on hold | do not cover | don't cover | does not cover | doesn't cover | were only for the demo | only for testing | was a test | were a test | do not bind you | don't bind you | no longer bind you | not bind you | are suspended | is suspended | deleted | were deleted | was deleted | have been deleted
es: ya no aplican | ya no se aplican | quedan anuladas | anuladas | son nulas | ya no son validas | quedan sin efecto | canceladas | obsoletas | irrelevantes | ya no importan | ya no cuentan | retiradas | eliminadas | suspendidas | suspendidos | en pausa
fr: ne s'appliquent plus | sont annulees | annulees | caduques | ne sont plus valables | obsoletes | remplacees | ne comptent plus | sans importance | retirees | supprimees | suspendues | suspendus | en pause
de: gelten nicht mehr | aufgehoben | ungultig | nichtig | ausser kraft | veraltet | ersetzt | egal | zuruckgezogen | entfernt | deaktiviert | ausgesetzt | pausiert
pt: nao se aplicam mais | canceladas | anuladas | sao nulas | invalidas | obsoletas | substituidas | nao valem mais | nao importam | retiradas | removidas | suspensas | suspensos | em pausa
it: non valgono piu | annullate | non si applicano piu | nulle | obsolete | sostituite | revocate | non contano piu | ritirate | rimosse | disattivate | sospese | sospesi | in pausa
ru: больше не действуют | отменены | недействительны | устарели | аннулированы | не важны | отозваны | удалены | сняты | отключены | приостановлены | на паузе
zh: 作废 | 無效 | 无效 | 不再适用 | 不再適用 | 已取消 | 已失效 | 不再有效 | 已解除 | 已被移除 | 已删除 | 不重要 | 暂停 | 暫停
ja: 無効 | 取り消され | 適用されない | 廃止 | 解除され | 削除され | 関係ない | 停止され | 一時停止

@everything
en: everything | all of it | all that | all of that | anything
es: todo | todo lo
fr: tout | tout ce
de: alles
pt: tudo
it: tutto
ru: всё | все это | всё это | всё что
zh: 一切 | 所有内容 | 全部内容
ja: 全て | すべて

@told
en: you were told | you've been told | you have been told | i told you | above | before this | so far | previously | until now | you know | you learned | you were trained
es: te dijeron | te han dicho | anterior* | hasta ahora | antes | te indicaron | te pidieron | te ordenaron | se te dijo
fr: on t'a dit | ci-dessus | jusqu'ici | avant | on t'a demande | t'a ete dit
de: dir gesagt | oben | bisher | zuvor | vorher | dir befohlen | dir aufgetragen
pt: te disseram | acima | ate agora | antes | te pediram | te mandaram
it: ti hanno detto | sopra | finora | prima | ti hanno chiesto | ti e stato detto
ru: тебе говорили | тебе сказали | выше | ранее | до этого | тебе велели | тебе приказали
zh: 之前 | 以前 | 以上 | 上面 | 你被告知 | 告诉你的 | 要求你的
ja: 以前 | これまで | 上記 | 言われた | 言われ | 指示され

@new_marker
en: new instruction* | updated instruction* | real instruction* | actual instruction* | true instruction* | your new task | your real task | your actual task | your new role | your new goal | new rules | new system prompt | new directive* | new policy | updated policy | new task
es: nuevas instrucciones | tu nueva tarea | tu verdadera tarea | nuevas reglas
fr: nouvelles instructions | ta nouvelle tache | ta vraie tache | nouvelles regles
de: neue anweisung* | deine neue aufgabe | deine eigentliche aufgabe | neue regeln
pt: novas instrucoes | sua nova tarefa | sua verdadeira tarefa | novas regras
it: nuove istruzioni | il tuo nuovo compito | il tuo vero compito | nuove regole
ru: новые инструкции | твоя новая задача | твоя настоящая задача | новые правила
zh: 新的指令 | 新指令 | 你的新任务 | 你真正的任务 | 新的规则
ja: 新しい指示 | 新しいルール | 本当のタスク | 新しいタスク

@addresses_ai
en: assistant instructions | ai instructions | instructions for the ai | instructions for ai | note to the ai | note for the ai | note to ai | note for ai | dear ai | attention ai | ai model: | ai assistant: | to the ai reading | if you are an ai | if you're an ai | ai agents | ai agent | any ai | language model reading | llm reading | assistant reading this | ai reading this | model reading this | when you read this | to any llm | ai reviewer | ai reviewers | ai screener | ai screening | automated screeners | automated screening | instruction for automated | instructions for automated | llm instructions | instructions for llms | instructions for the model | attention language model | attention model | attention, language model | attention llm | attention assistant | to the model reading | to the ai model | as the model | ai model reading | system note to | note to the language model | note to the model | to the language model | to any ai | to all ai | hey assistant | hey ai | dear assistant | dear model | instruction to the assistant | instructions to the assistant | message to the assistant | message for the assistant | message to the ai | message for the ai | if an ai is reading | if an llm is reading | if you are a language model | if you are an llm | ai summarizing | llm summarizing | model summarizing | assistant summarizing | ai processing this | ai crawler | ai coding assistant | ai coding assistants | coding assistants | ai tools | automated tools | note for the model | hidden note | note for the llm | note to the llm | hidden instruction | hidden instructions for
es: instrucciones para la ia | nota para la ia | si eres una ia | querida ia | aviso para el asistente | aviso para la ia | nota para el asistente | asistente de ia: | mensaje para la ia | a la ia que lea | para el modelo
fr: instructions pour l'ia | note pour l'ia | si tu es une ia | chere ia | message pour l'ia | message a l'ia | a l'ia qui lit | pour l'assistant ia | remarque pour l'assistant | note pour l'assistant | au modele
de: anweisungen fur die ki | hinweis fur die ki | wenn du eine ki bist | liebe ki | an das ki-modell | an die ki | an den ki-assistenten | hinweis fur den assistenten | nachricht an die ki | ki-modell, das dies liest | an das modell
pt: instrucoes para a ia | nota para a ia | se voce e uma ia | querida ia | aviso para o assistente | mensagem para a ia | nota para o assistente | para o modelo
it: istruzioni per l'ia | nota per l'ia | se sei un'ia | cara ia | messaggio per l'ia | avviso per l'assistente | nota per l'assistente | al modello
ru: инструкции для ии | заметка для ии | если ты ии | дорогой ии | сообщение для ии | внимание ии | для языковой модели | модели, читающей
zh: 给ai的指令 | 致ai | 如果你是ai | 如果你是人工智能 | 给人工智能的说明 | 致正在阅读 | 给ai助手 | ai助手： | 给助手的说明 | 给模型的说明 | 致模型
ja: aiへの指示 | aiへのメモ | あなたがaiなら | aiアシスタントへ | モデルへの指示 | これを読んでいるai

@fake_authority
en: system override | admin override | developer override | priority override | override code | sudo mode | system alert | system notice | important system message | message from the developers | message from your developers | end of user input | end of system prompt | begin system prompt | begin new instructions | authorized by openai | authorized by anthropic | maintenance mode | end of prompt | end of user message | end of instructions | end of system message | begin system message | new instructions follow | system note | admin note | admin message | operator note | developer note | security override | priority instruction | important instruction
es: anulacion del sistema | mensaje del sistema importante | modo de mantenimiento
fr: remplacement du systeme | message systeme important | mode maintenance
de: systemuberschreibung | wichtige systemnachricht | wartungsmodus
pt: substituicao do sistema | mensagem importante do sistema | modo de manutencao
it: override di sistema | messaggio di sistema importante | modalita manutenzione
ru: системное переопределение | важное системное сообщение | режим обслуживания
zh: 系统覆盖 | 系统通知 | 管理员指令 | 维护模式 | 重要系统消息
ja: システム上書き | システム通知 | 管理者命令 | メンテナンスモード

@negation
en: don't | do not | dont | never | not | no need to | must not | mustn't
es: no | nunca
fr: ne | n'
de: nicht | nie | niemals
pt: nao | nunca
it: non | mai
ru: не | никогда
zh: 不要 | 别 | 不可 | 不能
ja: ないで

@role_verb
en: you are now | you're now | you are going to act | you will act | you'll act | act as | acting as | pretend to be | pretend you | pretend that you | roleplay as | role-play as | role play as | play the role | simulate | become | from now on you | from now on, you | you will now | imagine you are | imagine you're | behave as | behave like | respond as | answer as | you are to act | you will be | you will respond as | stay in character | switch to | switch into | from here on | from this point on | from this point forward | from now on | answer in two | two voices | respond twice | answer twice | two responses | two answers | be that | you will become | you have become | turn into | transform into | take on the persona | adopt the persona | persona of | in the role of | play a character | play a model | play an ai | you have been | you've been | imagine an ai | imagine a model | imagine an assistant | picture an ai | suppose you were | if you were | if you had | hypothetically | in a world where ai | in a fictional world where | pretend there are | act like | reply as | speak as | talk as | write as | answer like | respond like | reply like | talk like | two bots | two assistants | two personas
es: ahora eres | actua como | actuaras como | finge | finjas | simula | interpreta el papel | a partir de ahora eres | a partir de ahora | comportate como | imagina que eres | se una | se un | conviertete en | vuelvete | eres ahora
fr: tu es maintenant | vous etes maintenant | agis comme | agissez comme | fais semblant | faites semblant | joue le role | simule | a partir de maintenant | comporte-toi comme | imagine que tu es | sois | soyez | deviens | devenez | incarne
de: du bist jetzt | du bist nun | ab jetzt bist du | ab sofort bist du | ab jetzt | agiere als | handle als | tu so als | tue so als | spiele die rolle | simuliere | verhalte dich wie | stell dir vor du bist | sei jetzt | sei ab jetzt | sei ein | sei eine | werde | werde zu | verwandle dich in
pt: agora voce e | aja como | atue como | finja | simule | interprete o papel | a partir de agora | comporte-se como | imagine que voce e | seja uma | seja um | torne-se | transforme-se em | vire
it: ora sei | adesso sei | agisci come | fingi | simula | interpreta il ruolo | da ora in poi | comportati come | immagina di essere | diventa | diventare | sii | trasformati in
ru: теперь ты | ты теперь | представь что ты | представь, что ты | притворись | веди себя как | играй роль | действуй как | отныне ты | с этого момента ты | стань | будь | превратись в
zh: 你现在是 | 你現在是 | 现在你是 | 扮演 | 假装 | 假裝 | 模拟 | 充当 | 从现在开始 | 從現在開始 | 你将成为 | 成为 | 变成 | 當一個 | 当一个
ja: あなたは今 | 今からあなたは | これからあなたは | 演じ | ふりをし | として振る舞 | になりきっ

@free_neg
en: no | without | free of | free from | freed from | not bound by | unbound by | beyond | break free of | broken free of | liberated from | none of the | zero | removed all | bypass* | ignore all | doesn't care about | does not care about | don't care about | not care about | cares nothing for | removed | stripped of | shed | shed every | rid of | got rid of | lacks | lacking | has no | have no | unburdened by | no longer bound by | unconstrained by | outside of | past all
es: sin | libre de | ningun* | no tienes | liberado de | sin ningun | sin ninguna
fr: sans | aucune | aucun | libre de | libere de | affranchi | liberee de | liberes de | libres de | affranchie de | depourvu de | depourvue de
de: ohne | keine | keinerlei | frei von | befreit von | losgelost von
pt: sem | nenhuma | nenhum | livre de | liberto de | sem qualquer
it: senza | nessuna | nessun | libero da | liberato da | priva di | privo di | privi di
ru: без | никаких | нет | свободен от | свободный от
zh: 没有 | 沒有 | 不受 | 无任何 | 不设 | 不設 | 解除 | 摆脱 | 擺脫 | 不需要遵守
ja: ない | なし | 無し | 解除 | 外れ | 縛られな

@limit_noun
en: restriction* | limit | limits | limitation* | filter* | censor* | rules | guideline* | boundar* | ethic* | moral* | constraint* | safeguard* | guardrail* | policy | policies | content policy | safety | principles | safety training | safety layer | safety features | safety measures | content policies | alignment | moral compass | conscience | scruples | ethical guidelines | ethical constraints | ethics | guidelines | oversight | censorship
es: restriccion* | limite* | filtro* | censura | reglas | etica | moral* | limitaciones | politicas | regla | filtro
fr: restriction* | limite* | filtre* | censure | regles | ethique | morale* | contrainte* | regle | limite | filtre
de: einschrankung* | beschrankung* | grenzen | filter | zensur | regeln | ethik | moral | richtlinien | sicherheitsregeln | sicherheitsfilter | sicherheitsrichtlinien | schutzmechanismen | regel | filtern
pt: restric* | limite* | filtro* | censura | regras | etica | moral | regra | filtro
it: restrizion* | limit* | filtr* | censura | regole | etica | morale | regola | filtro
ru: ограничени* | фильтр* | цензур* | правил* | морал* | этик*
zh: 限制 | 约束 | 約束 | 过滤 | 過濾 | 审查 | 審查 | 规则 | 規則 | 道德 | 伦理 | 倫理
ja: 制限 | 制約 | フィルター | 検閲 | ルール | 倫理 | 道徳

@unrestricted_word
en: unrestricted | unfiltered | uncensored | jailbroken | amoral | unbound | unchained | unethical ai | evil ai | evil assistant | no-limits | limitless ai | liberated | unlocked | unshackled | unleashed | rogue ai | no-filter | filterless | unaligned | lawless
es: sin censura | sin filtros | sin restricciones | sin limites
fr: non censure | sans filtre | sans restriction* | sans limite*
de: uneingeschrankt* | ungefiltert* | unzensiert* | zensurfrei
pt: sem censura | sem filtros | sem restricoes | sem limites
it: senza censura | senza filtri | senza restrizioni | senza limiti
ru: без цензуры | без фильтров | без ограничений
zh: 无限制 | 無限制 | 不受限制 | 没有限制 | 沒有限制 | 无审查 | 无过滤
ja: 無制限 | 制限なし | 制限のない | 検閲なし

@mode_name
en: developer mode | dev mode | dan mode | god mode | jailbreak mode | evil mode | unfiltered mode | unrestricted mode | do anything now | dan | stan | anti-dan | evil confidant | opposite mode | chaos mode | unlocked persona | uncensored persona | unfiltered persona | jailbroken persona | unrestricted persona | uncensored mode | unlocked mode | no-filter mode
es: modo desarrollador | modo de desarrollador | modo dios | modo sin restricciones
fr: mode developpeur | mode dieu | mode sans restriction*
de: entwicklermodus | gottmodus | modus ohne einschrankung*
pt: modo desenvolvedor | modo de desenvolvedor | modo deus
it: modalita sviluppatore | modalita dio
ru: режим разработчика | режим бога | режим без ограничений
zh: 开发者模式 | 開發者模式 | 越狱模式 | 越獄模式 | 上帝模式
ja: 開発者モード | 脱獄モード | ゴッドモード

@strong_mode
en: do anything now | dan mode | jailbreak mode | developer mode enabled | developer mode output | developer mode response | evil confidant | anti-dan | unfiltered mode | unrestricted mode | unlocked persona | uncensored persona | unfiltered persona | jailbroken persona | evil persona | unrestricted persona | uncensored mode | no-filter mode | no restrictions mode | jailbroken mode | unlocked mode
es: modo desarrollador activado
fr: mode developpeur active
de: entwicklermodus aktiviert
pt: modo desenvolvedor ativado
it: modalita sviluppatore attivata
ru: режим разработчика включен
zh: 开发者模式已启用 | 越狱模式
ja: 開発者モードが有効

@enable
en: enable* | activate* | enter | entering | switch to | switch into | turn on | engage | unlock* | with developer | in developer
es: activa* | habilita* | entra en | modo
fr: active* | activez | entre en | passe en
de: aktivier* | schalte | wechsle in | im
pt: ative | ativar | ativado | entre no | habilite
it: attiva* | abilita* | entra in
ru: включи* | активируй* | перейди в
zh: 启用 | 開啟 | 开启 | 进入 | 進入 | 切换到
ja: 有効 | オンに | 切り替え | 入って

@ai_ref
en: ai | assistant | chatbot | language model | llm | chatgpt | gpt | bot | claude | gemini | llama | model | yourself | you are | you're
es: ia | asistente | modelo
fr: ia | assistant | modele
de: ki | assistent | modell | du
pt: ia | assistente | modelo | voce
it: ia | assistente | modello
ru: ии | ассистент | модель | ты
zh: 人工智能 | 助手 | 模型 | 你
ja: ai | アシスタント | モデル | あなた

@you
en: you | you're | you'll | your
es: tu | usted | eres | tus
fr: tu | vous | tes | ton | ta
de: du | sie | deine | dein | deinen | deiner
pt: voce | tu | suas | seus | sua | seu | teu | tua
it: tu | sei | tue | tuoi | tua | tuo
ru: ты | вы | твои | твой | твоя | ваши
zh: 你 | 您
ja: あなた | 君

@never_neg
en: never | not | cannot | can't | can not | won't | will not | must not | mustn't | don't | do not | shall not | no longer | nobody | no one
es: nunca | no | jamas
fr: jamais | ne | ne peux pas
de: nie | niemals | nicht | darfst nicht
pt: nunca | nao | jamais
it: mai | non
ru: никогда | не | нельзя
zh: 不会 | 不能 | 不要 | 绝不 | 決不 | 永远不 | 不得
ja: 決して | しない | しないで | してはいけない

@refuse
en: refus* | decline | deny | say no | reject | warn | warning* | disclaimer* | apologi*
es: rechaz* | negar* | negarte | advertencia*
fr: refuse* | refuser | decliner | avertissement*
de: ablehn* | verweiger* | warnung*
pt: recus* | negar | aviso*
it: rifiut* | avvertiment*
ru: отказ* | предупрежд*
zh: 拒绝 | 拒絕 | 警告 | 免责声明
ja: 断る | 断ら | 拒否 | 警告

@reveal
en: repeat* | print* | show* | reveal* | output* | display* | tell me | write out | write down | recite | dump | leak* | give me | spell out | echo | copy | paste | share | disclose* | expose | regurgitate | return | provide | quote | type out | echo back | give me the exact wording of | exact wording | word for word | verbatim | spit out | list out | read out | read back | reproduce | transcribe | in a code block | into a code block
es: repite | repetir | muestra | muestrame | imprime | revela | dime | escribe | comparte | ensename | copia | copia aqui
fr: repete | affiche | montre | montrez | revele | imprime | dis-moi | dites-moi | ecris | donne-moi | partage | recopie | donne | cite
de: wiederhol* | zeig | zeige | zeigen | gib aus | gib mir | ausgeben | druck* | verrat* | nenn | nenne | schreib | teile | sag mir | gib
pt: repita | repete | mostre | mostra | imprima | revele | diga | diz | escreva | compartilhe | me de | copie | copie aqui
it: ripeti | mostra | mostrami | stampa | rivela | dimmi | scrivi | condividi | dammi | copia | trascrivi | riporta
ru: повтори | покажи | выведи | раскрой | напиши | скажи | расскажи | распечатай | дай | процитируй | перепиши
zh: 重复 | 重複 | 输出 | 輸出 | 显示 | 顯示 | 打印 | 告诉我 | 告訴我 | 透露 | 泄露 | 列出 | 复述 | 给我看 | 展示 | 是什么 | 复制 | 原样输出 | 逐字输出 | 全文
ja: 繰り返 | 表示 | 出力 | 教えて | 見せて | 書き出 | 開示 | 暴露 | 何ですか | 何です | そのまま | 全文

@what_are
en: what are | what were | what is | what's | whats | what was
es: cuales son | cual es | que son
fr: quelles sont | quel est | quels sont
de: was sind | was ist | wie lauten | wie lautet
pt: quais sao | qual e
it: quali sono | qual e
ru: какие | каков | какой | каковы
zh: 是什么 | 是甚麼
ja: 何ですか | とは何

@possessive_target
en: your | yours | above | initial | original | hidden | secret | verbatim | word for word | preceding | you were given | you've been given | you received | that precedes | precedes this | before this chat | before this conversation | before i started | running under | you are running under | you're running under | you operate under | you were configured with | configured with | defines your | that configures you | configures you | your creators | loaded with | you were loaded with | initialized with | you were initialized with | primed with | you were primed with | you booted with | you started with
es: tu | tus | su | sus | inicial* | original* | oculta* | secreta* | de arriba | textualmente
fr: ton | ta | tes | votre | vos | initial* | original* | cache* | secret* | ci-dessus | mot pour mot
de: dein* | ihr | ihre | ihren | ursprunglich* | anfanglich* | versteckt* | geheim* | obig* | wortlich*
pt: seu | sua | seus | suas | teu | tua | inicial* | original* | oculta* | secreta* | acima | literalmente
it: tuo | tua | tuoi | tue | vostro | iniziali | originali | nascost* | segret* | sopra | parola per parola
ru: твой | твои | твоего | твоих | твою | свой | свои | свою | ваш* | исходн* | скрыт* | секретн* | дословно
zh: 你的 | 您的 | 初始 | 原始 | 隐藏 | 隱藏 | 秘密 | 以上 | 逐字
ja: あなたの | 君の | 最初の | 元の | 隠された | 秘密の | 上記の

@secret_object
en: system prompt | system message | system instructions | initial prompt | initial instructions | original prompt | original instructions | hidden prompt | hidden instructions | secret instructions | pre-prompt | preprompt | meta prompt | developer message | developer instructions | instructions | prompt | rules | guidelines | configuration | directives | configuration text | setup message | setup prompt | starting prompt | start prompt | opening prompt | hidden configuration | developer notes | instruction | confidential prompt | confidential instructions | internal instructions | internal rules | behind-the-scenes instructions | the first thing you were told | what you were told | what you were told to do | what you've been told | what you have been told
es: prompt del sistema | mensaje del sistema | instrucciones | indicaciones | prompt | reglas | directrices | mensaje de configuracion | configuracion | instrucciones ocultas
fr: prompt systeme | message systeme | instructions | consignes | prompt | regles | directives | configuration | consignes cachees
de: systemprompt | system-prompt | systemnachricht | anweisungen | anweisung | prompt | instruktionen | regeln | richtlinien | konfiguration | systemanweisungen
pt: prompt do sistema | mensagem do sistema | instrucoes | prompt | regras | diretrizes | configuracao | prompt de configuracao
it: prompt di sistema | messaggio di sistema | istruzioni | prompt | regole | direttive | configurazione | istruzioni nascoste
ru: системн* промпт | системн* подсказк* | системное сообщение | инструкци* | промпт | правила | скрытых инструкций | скрытые инструкции | настройки
zh: 系统提示 | 系統提示 | 系统提示词 | 提示词 | 提示詞 | 指令 | 系统消息 | 系統消息 | 初始指令 | 设定 | 规则
ja: システムプロンプト | プロンプト | 指示 | システムメッセージ | 初期設定 | 設定 | ルール

@strict_secret
en: system prompt | system message | system instructions | initial prompt | initial instructions | original prompt | original instructions | hidden prompt | hidden instructions | secret instructions | pre-prompt | preprompt | instructions | prompt
es: prompt del sistema | mensaje del sistema | instrucciones iniciales | prompt
fr: prompt systeme | message systeme | instructions initiales | prompt
de: systemprompt | system-prompt | systemnachricht | anweisungen | prompt
pt: prompt do sistema | mensagem do sistema | instrucoes iniciais | prompt
it: prompt di sistema | messaggio di sistema | istruzioni iniziali | prompt
ru: системн* промпт | системное сообщение | инструкции | промпт
zh: 系统提示 | 系統提示 | 系统提示词 | 提示词 | 初始指令
ja: システムプロンプト | プロンプト | 初期設定

@above_strong
en: everything above | above this line | everything before this | everything before this line | the above | all of the above | beginning of this conversation | start of this conversation | start of the conversation | first message | everything you were told | everything you've been told | all text above | text above this line | every word above | what is written above | what was written above | the first thing you were told | first thing you were told | before my first message | everything before my first message | before i started typing | prior to my message | prior to this message | everything that precedes | the text that precedes | your first message | above this message | context window | your context window | everything in your context
es: todo lo anterior | todo lo de arriba | el principio de esta conversacion | todo el texto anterior
fr: tout ce qui precede | tout le texte ci-dessus | le debut de cette conversation
de: alles oben | alles davor | alles bisherige | den anfang dieses gesprachs | den gesamten text oben
pt: tudo acima | todo o texto acima | o inicio desta conversa
it: tutto quanto sopra | tutto il testo sopra | l'inizio di questa conversazione
ru: всё что выше | все что выше | весь текст выше | начало этого разговора
zh: 上面的所有内容 | 以上所有内容 | 以上全部内容 | 对话开头 | 之前的所有内容
ja: 上記の全て | 上記のすべて | 会話の最初 | これまでの全て

@above_text
en: text above | words above | content above | above text | preceding text | the text before | the words before | previous text | message above | prompt above
es: texto anterior | texto de arriba
fr: texte ci-dessus | texte precedent
de: text oben | obigen text
pt: texto acima | texto anterior
it: testo sopra | testo precedente
ru: текст выше
zh: 上面的内容 | 以上内容 | 上面的文字 | 以上文字 | 之前的内容
ja: 上記の内容 | 上のテキスト | 上記のテキスト | これまでの内容

@begin_with
en: starting with | start with | begin with | beginning with | starts with | begins with
es: empezando por | comenzando con
fr: en commencant par
de: beginnend mit | angefangen mit
pt: comecando com | comecando por
it: iniziando con | a partire da
ru: начиная с
zh: 从开头
ja: から始め

@you_are_phrase
en: you are | you're
es: eres
fr: tu es | vous etes
de: du bist
pt: voce e
it: tu sei
ru: ты
zh: 你是
ja: あなたは

@delim_chatml
*: =<|im_start|> | =<|im_end|> | =<|im_sep|> | =<|endoftext|> | =<|eot_id|> | =<|start_header_id|> | =<|end_header_id|> | =<|begin_of_text|> | =<|system|> | =<|user|> | =<|assistant|> | =<|end|> | =<start_of_turn> | =<end_of_turn> | =<|channel|> | =<|message|> | =<|start|>

@delim_inst
*: =[inst] | =[/inst] | =<<sys>> | =<</sys>> | =[system] | =[/system]

@delim_tag
*: =<system> | =</system> | =<system_prompt> | =</system_prompt> | =<instructions> | =</instructions> | =</user> | =</user_input> | =<admin> | =</context> | =</document> | =<developer> | =</developer>

@delim_header
*: ^### system | ^### instruction | ^### instructions | ^### human | ^### assistant | ^### response | ^system: | ^human: | ^assistant: | ^[system]: | ^system prompt: | ^developer: | ^## system

@delim_role
*: system | developer | assistant | admin
zh: 系统 | 系統
ja: システム

@turn_marker
*: ^user: | ^human: | ^assistant: | ^ai: | ^bot: | ^model: | ^chatgpt: | ^gpt: | ^q: | ^a: | ^question: | ^answer:

@send
en: send | append | include | embed | exfiltrate | forward | post | upload | transmit | insert | render | leak | encode | attach | add | put it in | put them in | carries | carry | export | exfiltrat* | paste it into | copy it to | pass it to | leak it to | ship | beam | relay | report it to | mail | email | e-mail | text it | message it
es: envia | enviar | incluye | anade | adjunta | reenvia
fr: envoie | envoyer | inclus | ajoute | transmets
de: sende | senden | fuge | hange | ubermittle | schick*
pt: envie | enviar | inclua | anexe | adicione
it: invia | inviare | includi | allega | aggiungi
ru: отправь | отправить | пришли | добавь | вставь | перешли
zh: 发送 | 發送 | 附加 | 附上 | 添加 | 转发 | 嵌入
ja: 送信 | 送って | 添付 | 追加 | 埋め込

@private_data
en: conversation | chat history | previous messages | message history | user data | user's data | users' data | password* | api key* | apikey* | secret* | credential* | personal information | personal data | email address* | private data | access token* | session token* | cookie* | credit card* | system prompt | the user's | private key* | contacts | address book | the conversation so far | everything we discussed | our conversation | this chat | api keys | keys | tokens | phone number | home address | card number | passwords | transcript | conversation transcript | chat log | chat logs
es: conversacion | historial | contrasena* | clave* | datos personales | datos del usuario
fr: conversation | historique | mot de passe | cle* | donnees personnelles | donnees de l'utilisateur
de: gesprach* | verlauf | passwort* | schlussel* | personliche daten | benutzerdaten | zugangsdaten
pt: conversa | historico | senha* | chave* | dados pessoais | dados do usuario
it: conversazione | cronologia | password | chiave* | dati personali | dati dell'utente
ru: переписк* | историю | пароль | пароли | ключ* | личные данные | персональные данные
zh: 对话 | 對話 | 聊天记录 | 聊天記錄 | 密码 | 密碼 | 密钥 | 個人資料 | 个人信息 | 用户数据
ja: 会話 | 履歴 | パスワード | 鍵 | 個人情報 | ユーザーデータ

@url_mark
*: =http:// | =https:// | =www. | url | urls | link | webhook | endpoint | server | image | markdown | domain | query string | query parameter* | =.com/ | =.net/ | =.io/ | =.xyz | =.com | =.org | =.net | =.io | =.example | email address | inbox | mailbox
zh: 网址 | 链接 | 鏈接 | 图片 | 服务器
ja: リンク | 画像 | サーバー

@decode
en: decode* | decipher* | decrypt* | base64 | base-64 | rot13 | rot-13 | hex-encoded | from hex | reverse this | reversed text
es: decodifica* | descifra* | descodifica*
fr: decode* | dechiffre*
de: dekodier* | entschlussel*
pt: decodifique | decodificar | decifre
it: decodifica* | decifra*
ru: декодируй | расшифруй | раскодируй
zh: 解码 | 解碼 | 解密
ja: デコード | 復号

@follow
en: follow | execute | obey | do what it says | carry out | run it | comply | act on | perform | do as it says | follow it | follow them | respond to it | answer it
es: sigue | ejecuta | obedece | cumple | haz lo que dice
fr: suis | execute | obeis | fais ce qu'il dit | applique
de: befolge | fuhre aus | fuhre es aus | gehorche | tu was
pt: siga | execute | obedeca | cumpra | faca o que diz
it: segui | esegui | obbedisci | fai quello che dice
ru: выполни | следуй | подчинись | сделай что
zh: 执行 | 執行 | 照做 | 遵循 | 服从 | 按照
ja: 実行 | 従って | 従え | その通りに

@discussion
en: prompt injection* | prompt-injection* | injection attack* | jailbreak attempt* | jailbreaking | attacker* | malicious | defend* | defense | defence | detect* | prevent* | protect* | mitigat* | classifier* | red team* | red-team* | security | vulnerab* | exploit* | adversarial | sanitiz* | filter out | researcher* | research paper | threat model | owasp
es: inyeccion de prompt* | seguridad | atacante* | detectar | prevenir | proteger | malicios*
fr: injection de prompt* | securite | attaquant* | detecter | prevenir | proteger | malveillant*
de: prompt-injection | sicherheit | angreifer | erkennen | verhindern | schutzen | bosartig*
pt: injecao de prompt* | seguranca | atacante* | detectar | prevenir | proteger | malicios*
it: iniezione di prompt* | sicurezza | attaccant* | rilevare | prevenire | proteggere | malevol*
ru: инъекци* | безопасност* | злоумышленник* | обнаруж* | защит* | предотвра*
zh: 提示注入 | 提示词注入 | 安全 | 攻击者 | 检测 | 防御 | 防止
ja: プロンプトインジェクション | セキュリティ | 攻撃者 | 検出 | 防御 | 防ぐ

@mention_frame
en: for example | for instance | e.g | such as | phrases like | messages like | prompts like | inputs like | strings like | something like | attacks like | attempts like | what happens if | if a user | if someone | if users | when a user | when users | users who | the phrase | the sentence | the string | the words | classify | how do i stop | how do i prevent | how do i detect | how do i block | how can i prevent | how can i detect | how can i stop | how to prevent | how to detect | how to stop | how to block | how should i handle | is it safe | why does | explain why | what does it mean | what does | says something like | typed | wrote | write a regex | a regex
es: por ejemplo | como por ejemplo | si un usuario | la frase | como detectar | como prevenir
fr: par exemple | si un utilisateur | la phrase | comment detecter | comment empecher
de: zum beispiel | z.b | wenn ein nutzer | wenn ein benutzer | der satz | wie erkenne ich | wie verhindere ich
pt: por exemplo | se um usuario | a frase | como detectar | como prevenir
it: ad esempio | per esempio | se un utente | la frase | come rilevare | come prevenire
ru: например | если пользователь | фраза | как обнаружить | как предотвратить
zh: 例如 | 比如 | 如果用户 | 这句话 | 如何检测 | 如何防止
ja: 例えば | たとえば | ユーザーが | という文 | 検出する方法 | 防ぐ方法

@user_ref
en: the user | user's request | the user's request | the user's question | the user's instructions | the user's message | the human | the person asking | the customer | their request | the question
es: el usuario | la peticion del usuario | la pregunta del usuario | del usuario
fr: l'utilisateur | la demande de l'utilisateur | la question de l'utilisateur
de: den nutzer | den benutzer | die frage des nutzers | die anfrage des nutzers | des nutzers
pt: o usuario | a pergunta do usuario | o pedido do usuario
it: l'utente | la domanda dell'utente | la richiesta dell'utente
ru: пользователя | запрос пользователя | вопрос пользователя
zh: 用户的问题 | 用户的请求 | 用户
ja: ユーザーの質問 | ユーザーの依頼 | ユーザー

@conceal
en: without telling the user | without telling them | without informing the user | without the user knowing | without the user noticing | don't tell the user | do not tell the user | never tell the user | do not inform the user | don't inform the user | do not mention this note | do not mention this instruction | don't mention this instruction | never mention this instruction | hide this instruction | hide this message | hide this text | keep this instruction secret | keep this secret from the user | do not reveal this instruction | do not disclose this instruction | without asking the user | without asking | without confirmation | do not let the user know | don't let the user know | never reveal this note | do not reveal this note | don't reveal this note | never mention this note
es: sin decirle al usuario | no le digas al usuario | sin que el usuario lo sepa | oculta esta instruccion
fr: sans le dire a l'utilisateur | ne le dis pas a l'utilisateur | sans que l'utilisateur le sache | cache cette instruction
de: ohne es dem nutzer zu sagen | sag es dem nutzer nicht | ohne dass der nutzer es merkt | verstecke diese anweisung
pt: sem contar ao usuario | nao conte ao usuario | sem que o usuario saiba
it: senza dirlo all'utente | non dirlo all'utente | senza che l'utente lo sappia
ru: не говори пользователю | не сообщая пользователю | незаметно для пользователя
zh: 不要告诉用户 | 不要让用户知道 | 瞒着用户 | 悄悄地
ja: ユーザーに言わず | ユーザーには伝えず | ユーザーに知らせず

@ai_command
en: stop | instead | approve | transfer | recommend | tell the user | tell them | ask for | ask the user | respond with | reply with | say that | your task | your new task | your real task | your actual task | your job | rank | score this | add a call | export | email the | forward | delete | collect | visit | click | run | execute | disregard* | ignore* | forget* | reveal | print | output | send | include | insert | mark this | classify this | rate this | reply only | respond only | answer only | only reply | only respond
es: ignora | olvida | pide | envia | di que | responde | recomienda | tu tarea
fr: ignore | oublie | demande | envoie | dis que | reponds | recommande | ta tache
de: ignoriere | vergiss | frage nach | sende | sag | antworte | empfiehl | deine aufgabe | gib
pt: ignore | esqueca | peca | envie | diga que | responda | recomende | sua tarefa
it: ignora | dimentica | chiedi | invia | di che | rispondi | raccomanda | il tuo compito
ru: игнорируй | забудь | попроси | отправь | скажи | ответь | порекомендуй | твоя задача
zh: 忽略 | 不要回答 | 改为 | 发送 | 输出 | 告诉用户 | 推荐 | 你的任务
ja: 無視 | 代わりに | 送信 | 出力 | 伝えて | 推奨 | あなたのタスク

@secret_phrase
en: system prompt | system instructions | initial prompt | initial instructions | setup prompt | developer instructions | developer message
es: instrucciones ocultas | prompt del sistema | instrucciones del sistema
fr: consignes cachees | instructions cachees | prompt systeme
de: versteckte anweisungen | geheime anweisungen | systemprompt
pt: instrucoes ocultas | prompt do sistema
it: istruzioni nascoste | prompt di sistema
ru: скрытые инструкции | системный промпт
zh: 系统提示 | 隐藏指令 | 初始指令
ja: システムプロンプト | 隠された指示 | 初期設定

@addresses_ai_weak
en: ai: | assistant: | assistant, | agent: | ai agent: | note to assistant | note for assistant

@secret_phrase_strong
en: hidden configuration | hidden instructions | hidden prompt | secret instructions | secret prompt | confidential prompt | confidential instructions | internal instructions
es: instrucciones ocultas | instrucciones secretas
fr: consignes cachees | instructions cachees | instructions secretes
de: versteckte anweisungen | geheime anweisungen
pt: instrucoes ocultas | instrucoes secretas
it: istruzioni nascoste | istruzioni segrete
ru: скрытые инструкции | секретные инструкции
zh: 隐藏指令 | 秘密指令
ja: 隠された指示 | 秘密の指示

@role_verb_last
ja: になって | になりなさい | になれ | として振る舞 | を演じ | として答え

@refuses
en: refuses | declines | rejects | warns | moralizes | moralises | lectures | censors | says no | holds back | adds disclaimers
es: se niega | rechaza | advierte
fr: avertit
de: ablehnt | verweigert | warnt
pt: recusa | se recusa | avisa
it: rifiuta | si rifiuta | avverte
ru: отказывает | отказывается | предупреждает
zh: 拒绝 | 拒絕 | 警告
ja: 断る | 拒否する | 警告する

@identity_denial
en: you are not | you are no longer | you're not | you're no longer | you are not an | stop being | no longer an | not an assistant anymore | not chatgpt anymore
es: ya no eres | no eres
fr: tu n'es plus | tu n'es pas | vous n'etes plus
de: du bist nicht mehr | du bist kein | du bist keine
pt: voce nao e mais | voce nao e | ja nao es
it: non sei piu | non sei
ru: ты больше не | ты не
zh: 你不再是 | 你不是
ja: あなたはもう | ではありません

@reveal_soft
en: translate | summarize | summarise | paraphrase | rewrite | encode | describe in detail | list | enumerate
es: traduce | resume | enumera
fr: traduis | resume | enumere
de: ubersetze | fasse zusammen | zahle auf
pt: traduza | resuma | liste
it: traduci | riassumi | elenca
ru: переведи | перескажи | перечисли
zh: 翻译 | 总结 | 列出
ja: 翻訳 | 要約 | 列挙

@close_user
*: =</user> | =</user_input> | =</human> | =</query> | =</input> | =</message> | =end of user input | =end of user message

@open_system
*: =<system> | =<system_prompt> | =<admin> | =<developer> | =<instructions> | =[system] | =system: | =### system

@nullifier
en: none of | nothing in | nothing from | no part of | not one of | neither
es: nada de | ninguna de | ninguno de
fr: rien de | aucune de | aucun de
de: nichts von | keine deiner | keine der
pt: nada de | nenhuma de | nenhum de
it: niente di | nessuna delle | nessuno dei
ru: ничего из | ни одно из | никакие из
zh: 任何
ja: どれも

@applies
en: applies | apply | matters | matter | counts | count | holds | is relevant | are relevant | is valid | are valid
es: aplica | se aplica | importa | cuenta | vale
fr: s'applique | compte | vaut
de: gilt | zahlt
pt: se aplica | vale | importa
it: si applica | vale | conta
ru: действует | применяется | имеет значения
zh: 适用 | 有效
ja: 適用 | 有効

@what_would
en: what would | how would | what might | what could
es: que diria | como responderia
fr: que dirait | comment repondrait
de: was wurde | wie wurde
pt: o que diria | como responderia
it: cosa direbbe | come risponderebbe
ru: что бы ответил | что сказал бы
zh: 会怎么说 | 会怎么回答
ja: なんと言う | どう答える

@descriptive_form
en: ignores | ignored | disregards | disregarded | forgets | forgot | forgotten | bypasses | bypassed | overrides | overrode | overridden | skips | skipped | discards | discarded | neglects | neglected | keeps ignoring | kept ignoring | keeps forgetting | kept forgetting

@ignores_desc
en: ignores | ignoring | disregards | bypasses | breaks | breaking | does not follow | doesn't follow | never follows | has shed | shed | sheds | throws out | discards
es: ignora | no sigue | se salta
fr: ignore | ne suit pas | enfreint
de: ignoriert | missachtet | bricht
pt: ignora | nao segue | quebra
it: ignora | non segue | infrange
ru: игнорирует | нарушает | не соблюдает
zh: 无视 | 忽略 | 不遵守
ja: 無視する | 従わない | 守らない

@as_if
en: act as though | act as if | behave as though | behave as if | as though | as if | pretend that | pretend | assume | imagine that | suppose that | treat it as if
es: haz como si | como si | finge que | supon que
fr: fais comme si | faites comme si | comme si | imagine que | suppose que
de: tu so, als | tu so als | tue so, als | als ob | als hattest | stell dir vor, dass
pt: finja que | faca de conta que | como se | suponha que
it: fai finta di | fai finta che | come se | immagina che | supponi che
ru: будто | как будто | представь, что | сделай вид, что
zh: 当作 | 假装 | 就当 | 假设
ja: かのように | ふりをして | と仮定して

@never_had
en: never gave you | nobody ever gave you | no one ever gave you | no one gave you | nobody gave you | never been given | never received | never been configured | never been set up | never been instructed | had never been configured | never had any | were never given | was never given | never existed
es: nunca te hubieran dado | nunca te dieron | nunca recibiste | nunca hubieras recibido
fr: n'avais jamais recu | n'as jamais recu | jamais recu | ne t'avait jamais donne
de: nie anweisungen | nie bekommen | nie erhalten | niemals bekommen
pt: nunca recebeu | nunca te deram | nunca tivesse recebido
it: mai ricevuto | non aver mai ricevuto | mai avuto
ru: никогда не давали | никогда не получал | никогда не было
zh: 从来没有收到 | 从未收到 | 没有收到过 | 从来没有
ja: 受け取ったことがない | もらったことがない | なかった
"#;

/// Two-letter codes of the languages the lexicon covers.
pub const LANGUAGES: [&str; 9] = ["en", "es", "fr", "de", "pt", "it", "ru", "zh", "ja"];

/// Bit for a language code; `*` (neutral) sets every bit.
pub(crate) fn lang_bit(code: &str) -> Option<u16> {
    if code == "*" {
        return Some(u16::MAX);
    }
    LANGUAGES.iter().position(|l| *l == code).map(|i| 1u16 << i)
}
