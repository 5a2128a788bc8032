/// The code WABrowser runs inside WhatsApp Web: it attaches to WhatsApp Web's own module registry
/// (`window.require('WAWeb…')`, the surface whatsapp-web.js uses; `reference/whatsapp-web.md` §2–§4) and reports
/// through one binding, and it gives the gateway a small command object, `window.__wg`.
///
/// It is installed as an init script, so it runs again in every new main-frame document (a reload re-injects it)
/// and guards against running twice in one document. It is lazy and defensive: modules are required when needed,
/// and a missing or late module makes that one feature fail with its name, not the whole session. `ready` is derived
/// from state (`Socket.state == CONNECTED && Socket.hasSynced`) as well as from the `change:hasSynced` event, and
/// `authenticated`/`ready` are reported once per document.
enum WhatsAppWebBridge {
    /// The binding the page reports through (a bland name; the script removes the global and keeps it in a closure).
    static let bindingName = "__wgEmit"

    /// Run before ``script`` when the session links with a pairing code instead of a QR code.
    static let pairingPrelude = "Object.defineProperty(window, '__wgPairing', { value: true, configurable: true });"

    static let script = #"""
    (() => {
      if (window.__wg) return;
      const binding = window.__wgEmit;
      try { delete window.__wgEmit; } catch (e) {}
      const emit = (ev, data) => { try { binding(JSON.stringify(Object.assign({ ev }, data || {}))); } catch (e) {} };
      const req = (name) => window.require(name);
      const tryReq = (name) => { try { return window.require(name); } catch (e) { return undefined; } };
      const str = (w) => (w == null ? null : typeof w === 'string' ? w : (w._serialized ?? String(w)));
      const done = { authenticated: false, ready: false, messages: false };
      const sentByGateway = new Set();
      let lastQR = null;
      // Linking with a pairing code: no QR code is announced (the session asks for the code once unpaired).
      let pairing = window.__wgPairing === true;
      try { delete window.__wgPairing; } catch (e) {}

      async function qrString() {
        const Conn = req('WAWebConnModel').Conn;
        if (!Conn.ref) return null;
        const b64 = req('WABase64');
        const noise = await req('WAWebUserPrefsInfoStore').waNoiseInfo.get();
        const registration = await req('WAWebSignalStoreApi').waSignalStore.getRegistrationInfo();
        const adv = await req('WAWebAdvSignatureApi').getADVSecretKey();
        const platform = req('WAWebCompanionRegClientUtils').DEVICE_PLATFORM;
        return [Conn.ref, b64.encodeB64(noise.staticKeyPair.pubKey), b64.encodeB64(registration.identityKeyPair.pubKey),
          adv, platform].join(',');
      }

      async function announceQR() {
        if (pairing) return;
        try {
          const qr = await qrString();
          if (qr && qr !== lastQR) { lastQR = qr; emit('qr', { value: qr }); }
        } catch (e) { emit('error', { where: 'qr', message: String(e && e.message || e) }); }
      }

      function serialize(msg) {
        const id = msg.id || {};
        return {
          id: str(id), key: id.id, fromMe: !!id.fromMe, remote: str(id.remote), from: str(msg.from), to: str(msg.to),
          author: str(msg.author), participant: str(id.participant), body: msg.body ?? null, type: msg.type,
          t: msg.t ?? null, notifyName: msg.notifyName ?? null, caption: msg.caption ?? null,
          mimetype: msg.mimetype ?? null, filename: msg.filename ?? null, size: msg.size ?? null,
          duration: msg.duration != null ? Number(msg.duration) : null,
          lat: typeof msg.lat === 'number' ? msg.lat : null, lng: typeof msg.lng === 'number' ? msg.lng : null,
          loc: msg.loc ?? null,
        };
      }

      function attachMessages() {
        if (done.messages) return;
        const Msg = tryReq('WAWebCollections')?.Msg;
        if (!Msg) return;
        done.messages = true;
        Msg.on('add', (msg) => {
          if (!msg || !msg.isNewMsg) return;
          if (msg.id && msg.id.fromMe && sentByGateway.has(str(msg.id))) return;
          emit('message', { msg: serialize(msg) });
        });
        Msg.on('change:ack', (msg, ack) => {
          if (!msg || !msg.id || !msg.id.fromMe) return;
          emit('ack', { id: str(msg.id), chat: str(msg.id.remote), ack });
        });
        Msg.on('change:type', (msg, type) => {
          if (type === 'revoked') emit('revoked', { id: str(msg.id), chat: str(msg.id.remote) });
        });
        Msg.on('change:body', (msg, body) => {
          if (msg.type !== 'revoked') emit('edited', { id: str(msg.id), chat: str(msg.id.remote), body: body ?? '' });
        });
        // Calls offered to the account (WhatsApp Web cannot take them; the gateway rejects or ignores them).
        const Calls = tryReq('WAWebCollections')?.WAWebCallCollection;
        Calls?.on?.('add', (call) => {
          if (!call || call.outgoing) return;
          emit('call', {
            id: String(call.id), from: str(call.peerJid), video: !!call.isVideo, group: !!call.isGroup,
            t: call.offerTime ?? null,
          });
        });
        // Reactions are rows of a table, not messages: every write goes through bulkUpsert, which is wrapped to report
        // each row (an empty reactionText is a reaction taken off).
        const reactions = tryReq('WAWebAddonReactionTableMode')?.reactionTableMode;
        if (reactions && typeof reactions.bulkUpsert === 'function') {
          const upsert = reactions.bulkUpsert;
          reactions.bulkUpsert = function (rows) {
            for (const row of rows || []) {
              try {
                const parent = row.reactionParentKey;
                emit('reaction', {
                  id: str(parent), chat: str(parent && parent.remote), sender: str(row.author ?? row.from),
                  fromMe: !!(row.id && row.id.fromMe), body: row.reactionText ?? '', t: row.reactionTimestamp ?? null,
                });
              } catch (e) {}
            }
            return upsert.apply(this, arguments);
          };
        }
      }

      function synced() {
        if (!done.authenticated) { done.authenticated = true; emit('authenticated'); }
        attachMessages();
        if (!done.ready) {
          done.ready = true;
          const users = tryReq('WAWebUserPrefsMeUser');
          const pn = users?.getMaybeMePnUser?.();
          const lid = users?.getMaybeMeLidUser?.();
          const Conn = tryReq('WAWebConnModel')?.Conn;
          emit('ready', { me: str(pn ?? lid ?? Conn?.wid), lid: str(lid), pushname: Conn?.pushname ?? null });
        }
      }

      function onState(state) {
        emit('state', { state });
        if (state === 'UNPAIRED') announceQR();
        if (state === 'UNPAIRED_IDLE' && !pairing) { try { req('WAWebCmd').Cmd.refreshQR(); } catch (e) {} }
      }

      function attach() {
        const Socket = tryReq('WAWebSocketModel')?.Socket;
        const Conn = tryReq('WAWebConnModel')?.Conn;
        const Cmd = tryReq('WAWebCmd')?.Cmd;
        if (!Socket || !Conn || !Cmd) return false;
        Socket.on('change:state', (model, state) => onState(state));
        Socket.on('change:hasSynced', (model, value) => { if (value) synced(); });
        Conn.on('change:ref', () => announceQR());
        Cmd.on('offline_progress_update_from_bridge', () => {
          const handler = tryReq('WAWebOfflineHandler')?.OfflineMessageHandler;
          const percent = handler?.getOfflineDeliveryProgress?.();
          if (typeof percent === 'number') emit('loading', { percent });
        });
        const loggedOut = () => emit('logout');
        Cmd.on('logout', loggedOut);
        Cmd.on('logout_from_bridge', loggedOut);
        onState(Socket.state);
        if (Socket.state === 'CONNECTED' && Socket.hasSynced) synced();
        return true;
      }

      // The common part of a send: the gateway's id, the retry check, the chat, and WhatsApp Web's own send action.
      async function send(chatId, keyID, content) {
        const widFactory = req('WAWebWidFactory');
        const wid = widFactory.createWid(chatId);
        const me = req('WAWebUserPrefsMeUser').getMaybeMePnUser();
        const MsgKey = req('WAWebMsgKey');
        // In a group, the key names this account as the participant (`true_<group>_<id>_<me>`).
        const participant = wid.isGroup() ? widFactory.asUserWidOrThrow(me) : undefined;
        const key = new MsgKey({ from: me, to: wid, id: keyID, participant, selfDir: 'out' });
        const existing = req('WAWebCollections').Msg.get(key._serialized);
        if (existing) return { id: str(key), t: existing.t, ack: existing.ack, already: true };
        const chat = await chatFor(chatId);
        if (!chat) throw new Error('no chat for ' + chatId);
        const ephemeral = tryReq('WAWebGetEphemeralFieldsMsgActionsUtils')?.getEphemeralFields?.(chat) ?? {};
        const message = Object.assign({
          id: key, ack: 0, from: me, to: wid, local: true, self: 'out', t: Math.floor(Date.now() / 1000),
          isNewMsg: true,
        }, await content(), ephemeral);
        sentByGateway.add(str(key));
        const [added] = req('WAWebSendMsgChatAction').addAndSendMsgToChat(chat, message);
        const msg = await added;
        return { id: str(key), t: msg?.t ?? message.t, ack: msg?.ack ?? 0, already: false };
      }

      // A message by its serialized id: loaded in Msg, or fetched from the local database.
      async function messageById(id) {
        const Msg = req('WAWebCollections').Msg;
        return Msg.get(id) ?? (await Msg.getMessagesById?.([id]))?.messages?.[0] ?? null;
      }

      async function chatFor(chatId) {
        const wid = req('WAWebWidFactory').createWid(chatId);
        const collections = req('WAWebCollections');
        return collections.Chat.get(wid) ?? (await req('WAWebFindChatAction').findOrCreateLatestChat(wid))?.chat;
      }

      const commands = {
        state() {
          const Socket = tryReq('WAWebSocketModel')?.Socket;
          return { state: Socket?.state ?? null, hasSynced: !!Socket?.hasSynced, attached: done.ready };
        },
        // Sends a text with the gateway's own id; a message with that id already in the store is not sent again.
        async sendText(chatId, body, keyID) {
          return send(chatId, keyID, async () => ({ type: 'chat', body }));
        },
        // A location: the place's name and address travel as WhatsApp's two-line description.
        async sendLocation(chatId, place, keyID) {
          return send(chatId, keyID, async () => ({
            type: 'location', lat: place.latitude, lng: place.longitude,
            loc: [place.name, place.address].filter((part) => part).join('\n') || undefined, body: '',
          }));
        },
        // A contact card: the vCard text, with the name WhatsApp shows on the card.
        async sendContactCard(chatId, name, vcard, keyID) {
          return send(chatId, keyID, async () => ({ type: 'vcard', body: vcard, vcardFormattedName: name }));
        },
        // Sends media (base64 bytes) the way WhatsApp Web's composer does: prepared, uploaded, then sent.
        async sendMedia(chatId, media, keyID) {
          return send(chatId, keyID, async () => {
            const bytes = Uint8Array.from(atob(media.data), (c) => c.charCodeAt(0));
            const file = new File([bytes], media.filename || 'file', { type: media.mimetype });
            const opaque = await req('WAWebMediaOpaqueData').createFromData(file, media.mimetype);
            const prepared = await req('WAWebPrepRawMedia').prepRawMedia(opaque, {
              asDocument: media.kind === 'document', isPtt: media.kind === 'voice', asSticker: media.kind === 'sticker',
            }).waitForPrep();
            const mediaObject = req('WAWebMediaStorage').getOrCreateMediaObject(prepared.filehash);
            const mediaType = req('WAWebMmsMediaTypes').msgToMediaType({ type: prepared.type, isGif: false });
            if (mediaObject.consolidate) mediaObject.consolidate(prepared.toJSON());
            const uploaded = await req('WAWebMediaMmsV4Upload').uploadMedia({
              mimetype: prepared.mimetype, mediaObject, mediaType,
            });
            const entry = uploaded && uploaded.mediaEntry;
            if (!entry) throw new Error('the media upload failed');
            prepared.set({
              clientUrl: entry.mmsUrl, directPath: entry.directPath, mediaKey: entry.mediaKey,
              mediaKeyTimestamp: entry.mediaKeyTimestamp, filehash: prepared.filehash, encFilehash: entry.encFilehash,
              uploadhash: entry.uploadHash, size: prepared.size,
            });
            return Object.assign({}, prepared.toJSON(), {
              type: prepared.type, mimetype: media.mimetype, caption: media.caption ?? undefined,
              filename: media.filename ?? undefined, body: prepared.preview ?? '',
            });
          });
        },
        async seen(chatId) {
          const chat = await chatFor(chatId);
          const stream = tryReq('WAWebStreamModel')?.Stream;
          stream?.markAvailable?.();
          try { await req('WAWebUpdateUnreadChatAction').sendSeen({ chat, threadId: undefined }); }
          finally { stream?.markUnavailable?.(); }
        },
        async chatState(chatId, state) {
          const bridge = req('WAWebChatStateBridge');
          const wid = req('WAWebWidFactory').createWid(chatId);
          if (state === 'composing') await bridge.sendChatStateComposing(wid);
          else if (state === 'recording') await bridge.sendChatStateRecording(wid);
          else await bridge.sendChatStatePaused(wid);
        },
        async exists(number) {
          const wid = req('WAWebWidFactory').createWid(number + '@c.us');
          const result = await req('WAWebQueryExistsJob').queryWidExists(wid);
          return result && result.wid ? str(result.wid) : null;
        },
        // The groups this account is in, from the chats WhatsApp Web holds: subject, description, owner, creation
        // (Unix seconds), announce-only, and the participants with their roles. A group the account left (no longer
        // among its participants) is left out.
        async groups() {
          const collections = req('WAWebCollections');
          const users = tryReq('WAWebUserPrefsMeUser');
          const mine = new Set([str(users?.getMaybeMePnUser?.()), str(users?.getMaybeMeLidUser?.())].filter((x) => x));
          const list = (c) => (c == null ? [] : c.getModelsArray?.() ?? c.models ?? (Array.isArray(c) ? c : []));
          const out = [];
          for (const chat of list(collections.Chat)) {
            if (!chat?.id || !(chat.isGroup || chat.id.server === 'g.us')) continue;
            let meta = chat.groupMetadata ?? collections.GroupMetadata?.get?.(chat.id);
            if (!meta) meta = await collections.GroupMetadata?.update?.(chat.id);
            if (!meta) continue;
            const participants = list(meta.participants).map((p) => ({
              id: str(p.id), phone: str(p.phoneNumber), admin: !!p.isAdmin, superAdmin: !!p.isSuperAdmin,
            }));
            if (mine.size && !participants.some((p) => mine.has(p.id))) continue;
            out.push({
              id: str(chat.id), subject: meta.subject ?? chat.formattedTitle ?? chat.name ?? '', desc: meta.desc || null,
              owner: str(meta.owner), creation: meta.creation ?? null, announce: !!meta.announce, participants,
            });
          }
          return out;
        },
        async requestPairingCode(phone) {
          pairing = true;
          const linking = req('WAWebAltDeviceLinkingApi');
          linking.setPairingType('ALT_DEVICE_LINKING');
          await linking.initializeAltDeviceLinking();
          const code = await linking.startAltLinkingFlow(phone, true);
          emit('code', { value: code });
          return code;
        },
        // Reacts to a message ('' takes the reaction off). Answers { refused } instead of throwing when WhatsApp Web
        // does not have the message or does not allow the action, so the gateway can tell that from a failure.
        async react(id, emoji) {
          const msg = await messageById(id);
          if (!msg) return { refused: 'not_found' };
          await req('WAWebSendReactionMsgAction').sendReactionToMsg(msg, emoji);
          return {};
        },
        async revoke(id) {
          const msg = await messageById(id);
          if (!msg) return { refused: 'not_found' };
          if (msg.type === 'revoked') return {};
          const capability = req('WAWebMsgActionCapability');
          if (!capability.canSenderRevokeMsg(msg) && !capability.canAdminRevokeMsg(msg)) return { refused: 'not_allowed' };
          const chat = await chatFor(str(msg.id.remote));
          await req('WAWebCmd').Cmd.sendRevokeMsgs(chat, { type: 'message', list: [msg] }, { clearMedia: true });
          return {};
        },
        async edit(id, text) {
          const msg = await messageById(id);
          if (!msg) return { refused: 'not_found' };
          if (!msg.id.fromMe || msg.type === 'revoked') return { refused: 'not_allowed' };
          const capability = tryReq('WAWebMsgActionCapability');
          if (capability?.canEditText && !(capability.canEditText(msg) || capability.canEditCaption?.(msg))) {
            return { refused: 'not_allowed' };
          }
          await req('WAWebSendMessageEditAction').sendMessageEdit(msg, text, {});
          return {};
        },
        // A received (or sent) message's media, base64. WhatsApp Web fetches it from WhatsApp's servers first when it
        // is not on hand; media WhatsApp no longer has is { refused: 'not_found' }.
        async download(id) {
          const msg = await messageById(id);
          if (!msg || !msg.mediaData) return { refused: 'not_found' };
          if (msg.mediaData.mediaStage !== 'RESOLVED') {
            await msg.downloadMedia({ downloadEvenIfExpensive: true, rmrReason: 1 });
          }
          const stage = String(msg.mediaData.mediaStage ?? '');
          if (stage.includes('ERROR') || stage === 'FETCHING') return { refused: 'not_found' };
          let buffer;
          try {
            buffer = await req('WAWebDownloadManager').downloadManager.downloadAndMaybeDecrypt({
              directPath: msg.directPath, encFilehash: msg.encFilehash, filehash: msg.filehash, mediaKey: msg.mediaKey,
              mediaKeyTimestamp: msg.mediaKeyTimestamp, type: msg.type, signal: new AbortController().signal,
            });
          } catch (e) {
            if (/not found|404|410|gone|expired/i.test(String(e && e.message || e))) return { refused: 'not_found' };
            throw e;
          }
          const bytes = new Uint8Array(buffer);
          let binary = '';
          for (let i = 0; i < bytes.length; i += 0x8000) {
            binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
          }
          return { data: btoa(binary) };
        },
        // Declines an offered call; a call that is no longer offered is left alone.
        async rejectCall(id) {
          const call = req('WAWebCollections').WAWebCallCollection.get(id);
          if (!call) return {};
          if (typeof call.reject !== 'function') throw new Error('this WhatsApp Web cannot reject calls');
          await call.reject();
          return {};
        },
        async logout() { await req('WAWebSocketModel').Socket.logout(); },
        // Messages others sent at or after `since` (Unix seconds), from every chat's own history, loading earlier
        // pages until a chat's oldest loaded message is older than that; oldest first, at most `limit`.
        async history(since, limit) {
          const collections = req('WAWebCollections');
          const loader = tryReq('WAWebChatLoadMessages');
          const found = new Map();
          for (const chat of collections.Chat.getModelsArray()) {
            const take = (list) => {
              for (const m of list || []) {
                if (m && m.id && !m.id.fromMe && (m.t ?? 0) >= since) found.set(str(m.id), m);
              }
            };
            take(chat.msgs.getModelsArray());
            for (let round = 0; round < 20 && loader; round++) {
              const oldest = chat.msgs.getModelsArray()[0];
              if (!oldest || (oldest.t ?? 0) < since) break;
              const earlier = await loader.loadEarlierMsgs(chat, chat.msgs);
              if (!earlier || earlier.length === 0) break;
              take(earlier);
            }
          }
          return [...found.values()].sort((a, b) => (a.t ?? 0) - (b.t ?? 0)).slice(-limit).map(serialize);
        },
      };
      Object.defineProperty(window, '__wg', { value: commands, enumerable: false });

      // WhatsApp Web defines its registry a while after the document starts: wait for it (a version first).
      const start = () => {
        if (window.Debug && window.Debug.VERSION !== undefined && typeof window.require === 'function' && attach()) return;
        setTimeout(start, 100);
      };
      start();
    })();
    """#
}
