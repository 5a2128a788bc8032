// WAGateway test fixture: imitates the WhatsApp Web JavaScript module surface that injected code touches,
// so that code can be tested offline. Spec: reference/whatsapp-web.md §7 (parts A–E), with call shapes and
// event signatures from §2–§4. Served at https://web.whatsapp.com/ through Fetch interception. See README.md.
(() => {
  'use strict';

  // ---- Timing and switches (URL query parameters override the defaults, e.g. /?qrMs=500&late=1) ----------
  const params = new URLSearchParams(location.search);
  const num = (k, d) => (params.has(k) ? Number(params.get(k)) : d);
  const T = {
    debugMs: num('debugMs', 100), // window.Debug.VERSION appears after this delay (the transport must poll)
    bootMs: num('bootMs', 300), // OPENING → UNPAIRED (fresh) or CONNECTED (paired)
    pairMs: num('pairMs', 100), // PAIRING → CONNECTED after a scan
    syncStepMs: num('syncStepMs', 50), // offline progress 0 → 50 → 100, then hasSynced
    qrMs: num('qrMs', 20000), // ref rotation interval
    qrMax: num('qrMax', 5), // rotations before UNPAIRED_IDLE
    late: params.get('late') === '1', // register WAWebCollections and send modules only after hasSynced
  };
  const VERSION = '2.3000.1099999999';
  const ME_DEFAULT = '15550009999';
  const RESTORE_WINDOW = 1; // messages per chat put back into chat.msgs after a reload
  const EARLIER_PAGE = 50; // messages per loadEarlierMsgs call
  const DB_LIMIT = 500; // messages kept in localStorage['fx:db']
  const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'ptt', 'document', 'sticker']);

  const fx = (window.__fx = {
    log: [], // outbound calls: {call, ...args, at}
    errors: [], // exceptions thrown by event listeners (caught so the fixture keeps running)
    registered: new Set(['15550000001', '15550000002', '15550000003']), // numbers queryWidExists knows
    config: { autoAck: true, ackMs: num('ackMs', 100), sendFails: false },
    timing: T,
  });
  const log = (call, args = {}) => fx.log.push({ call, ...args, at: Date.now() });

  // ---- Small helpers ---------------------------------------------------------------------------------------
  const rand = (n) => crypto.getRandomValues(new Uint8Array(n));
  const hex = (n) => Array.from(rand(n), (b) => b.toString(16).padStart(2, '0')).join('').toUpperCase();
  const b64 = (data) => {
    const u8 = data instanceof ArrayBuffer ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let s = '';
    for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000));
    return btoa(s);
  };
  const nowSec = () => Math.floor(Date.now() / 1000);
  const hidden = (o, k, v) => Object.defineProperty(o, k, { value: v, writable: true, configurable: true });
  const keyOf = (id) => (id == null ? undefined : typeof id === 'string' ? id : id._serialized ?? String(id));

  // ---- A. Module registry: window.require(name) and window.__d(name, deps, factory) -------------------------
  // Factories run lazily on the first require and their exports are cached, so monkey-patches by injected
  // code (injectToFunction) stick. An unknown name throws, as on the real site.
  const registry = new Map();
  window.__d = (name, deps, factory) => registry.set(name, { factory, done: false, exports: undefined });
  window.require = (name) => {
    const m = registry.get(name);
    if (!m) throw new Error(`Requiring unknown module "${name}"`);
    if (!m.done) { m.exports = m.factory(); m.done = true; }
    return m.exports;
  };
  // With ?late=1 these appear only after hasSynced, like on the real site (eager requires then fail).
  const LATE = new Set(['WAWebCollections', 'WAWebSendMsgChatAction', 'WAWebUpdateUnreadChatAction',
    'WAWebChatStateBridge', 'WAWebSendReactionMsgAction', 'WAWebSendMessageEditAction', 'WAWebChatLoadMessages',
    'WAWebFindChatAction']);
  const lateExports = new Map();
  const define = (name, exports) => {
    if (T.late && LATE.has(name)) lateExports.set(name, exports);
    else window.__d(name, [], () => exports);
  };
  const registerLate = () => {
    for (const [name, exports] of lateExports) window.__d(name, [], () => exports);
    lateExports.clear();
  };

  // ---- A. EventEmitter mixin (Backbone style): on/off/once/trigger, space-separated event names ------------
  const split = (events) => String(events).split(/\s+/).filter(Boolean);
  const table = (o) => o.__events ?? hidden(o, '__events', new Map()).__events;
  const Events = {
    on(events, cb, ctx) {
      for (const e of split(events)) { const t = table(this); t.set(e, [...(t.get(e) ?? []), { cb, ctx }]); }
      return this;
    },
    once(events, cb, ctx) {
      const wrapper = (...args) => { this.off(events, wrapper); return cb.apply(ctx ?? this, args); };
      wrapper.original = cb;
      return this.on(events, wrapper, ctx);
    },
    off(events, cb) {
      const t = table(this);
      for (const e of events ? split(events) : [...t.keys()]) {
        if (!cb) t.delete(e);
        else t.set(e, (t.get(e) ?? []).filter((l) => l.cb !== cb && l.cb.original !== cb));
      }
      return this;
    },
    trigger(event, ...args) {
      for (const l of table(this).get(event) ?? []) {
        try { l.cb.apply(l.ctx ?? this, args); } catch (err) {
          fx.errors.push({ event, message: String(err?.message ?? err), stack: String(err?.stack ?? '') });
          console.error(`listener for ${event} threw`, err);
        }
      }
      return this;
    },
  };

  // ---- A. Model: attributes as properties; set(k, v) emits change:k (model, v, prev) then change (model) ----
  class Model {
    constructor(attrs = {}) {
      hidden(this, '__attrs', {});
      hidden(this, '__colls', new Set());
      for (const [k, v] of Object.entries(attrs)) this.__define(k, v);
    }
    __define(k, v) {
      if (!(k in this.__attrs)) {
        Object.defineProperty(this, k, {
          get: () => this.__attrs[k], set: (x) => this.set(k, x), enumerable: true, configurable: true,
        });
      }
      this.__attrs[k] = v;
    }
    // set(key, value, opts) or set({k: v, …}, opts); all values are applied before any event fires.
    set(key, val, opts) {
      const changes = key !== null && typeof key === 'object' ? key : { [key]: val };
      if (changes === key) opts = val;
      const changed = [];
      for (const [k, v] of Object.entries(changes)) {
        const prev = this.__attrs[k];
        if (k in this.__attrs && prev === v) continue;
        this.__define(k, v);
        changed.push([k, v, prev]);
      }
      if (!opts?.silent && changed.length) {
        for (const [k, v, prev] of changed) this.trigger(`change:${k}`, this, v, prev);
        this.trigger('change', this);
      }
      return this;
    }
    get(k) { return this.__attrs[k]; }
    serialize() { return { ...this.__attrs }; }
    toJSON() { return this.serialize(); }
  }
  Object.assign(Model.prototype, Events);
  // Models re-emit their change events through every collection they belong to.
  Model.prototype.trigger = function trigger(event, ...args) {
    Events.trigger.call(this, event, ...args);
    if (event.startsWith('change')) for (const c of this.__colls) c.trigger(event, ...args);
    return this;
  };

  // ---- A. Collection: add/remove emit (model, collection); get by _serialized or Wid; async find -----------
  class Collection {
    constructor(modelClass, create) {
      this.modelClass = modelClass;
      hidden(this, '__models', []);
      hidden(this, '__byId', new Map());
      hidden(this, '__create', create);
    }
    add(models, opts = {}) {
      const out = [];
      let at = opts.at;
      for (let m of Array.isArray(models) ? models : [models]) {
        if (!(m instanceof Model)) m = new this.modelClass(m);
        const existing = this.__byId.get(keyOf(m.id));
        if (existing) { if (opts.merge) existing.set(m.serialize()); out.push(existing); continue; }
        this.__byId.set(keyOf(m.id), m);
        if (at == null) this.__models.push(m); else this.__models.splice(at++, 0, m);
        m.__colls.add(this);
        if (!opts.silent) this.trigger('add', m, this, opts);
        out.push(m);
      }
      return Array.isArray(models) ? out : out[0];
    }
    remove(models, opts = {}) {
      for (const x of Array.isArray(models) ? models : [models]) {
        const m = this.get(x instanceof Model ? x.id : x);
        if (!m) continue;
        this.__byId.delete(keyOf(m.id));
        this.__models.splice(this.__models.indexOf(m), 1);
        m.__colls.delete(this);
        if (!opts.silent) this.trigger('remove', m, this, opts);
      }
      return this;
    }
    get(idOrWid) { return this.__byId.get(keyOf(idOrWid)); }
    async find(idOrWid) {
      const m = this.get(idOrWid);
      if (m) return m;
      if (!this.__create) throw new Error(`find: ${keyOf(idOrWid)} not found`);
      return this.__create(idOrWid);
    }
    getModelsArray() { return [...this.__models]; }
    get length() { return this.__models.length; }
    at(i) { return this.__models.at(i); }
    map(f) { return this.__models.map(f); }
    serialize() { return this.__models.map((m) => m.serialize()); }
    toJSON() { return this.serialize(); }
  }
  Object.assign(Collection.prototype, Events);

  // ---- A. Wid: user@server; toString/toJSON give _serialized ----------------------------------------------
  class Wid {
    constructor(str) {
      const s = String(str);
      const at = s.lastIndexOf('@');
      if (at < 1 || at === s.length - 1) throw new Error(`invalid wid: ${s}`);
      this.server = s.slice(at + 1);
      this.user = s.slice(0, at);
      this._serialized = `${this.user}@${this.server}`;
    }
    isUser() { return this.server === 'c.us' || this.server === 'lid'; }
    isGroup() { return this.server === 'g.us'; }
    isLid() { return this.server === 'lid'; }
    isStatus() { return this.user === 'status' && this.server === 'broadcast'; }
    isBroadcast() { return this.server === 'broadcast'; }
    isNewsletter() { return this.server === 'newsletter'; }
    equals(o) { return o != null && keyOf(o) === this._serialized; }
    toString() { return this._serialized; }
    toJSON() { return this._serialized; }
    toJid() { return this.server === 'c.us' ? `${this.user}@s.whatsapp.net` : this._serialized; }
  }
  const createWid = (x) => {
    if (x instanceof Wid) return x;
    const s = keyOf(x);
    return new Wid(s.endsWith('@s.whatsapp.net') ? s.replace(/@s\.whatsapp\.net$/, '@c.us') : s);
  };

  // ---- B. MsgKey (the module export is the class): {fromMe, remote, id, participant, _serialized} ----------
  class MsgKey {
    // new MsgKey({from, to, id, participant, selfDir}) as wwebjs calls it, or {fromMe, remote, id, participant}.
    constructor({ from, to, id, participant, selfDir, fromMe, remote }) {
      if (remote == null) { fromMe = selfDir === 'out'; remote = fromMe ? to : from; }
      if (!id || remote == null) throw new Error('MsgKey error: id and remote are required');
      this.fromMe = !!fromMe;
      this.remote = createWid(remote);
      this.id = String(id);
      this.participant = participant ? createWid(participant) : undefined;
      this._serialized = `${this.fromMe}_${this.remote}_${this.id}${this.participant ? `_${this.participant}` : ''}`;
    }
    toString() { return this._serialized; }
    equals(o) { return o != null && keyOf(o) === this._serialized; }
    // 3EB0 + 16 hex = 20 chars (≤21, so wwebjs's deviceType heuristic says "web"); format chosen, see README.
    static async newId() { return `3EB0${hex(8)}`; }
    static fromString(s) {
      const [fromMe, remote, id, participant] = String(s).split('_');
      return new MsgKey({ fromMe: fromMe === 'true', remote, id, participant });
    }
  }
  const incomingId = () => hex(16); // 32 hex chars, like Android-sent ids

  // ---- B. Models -----------------------------------------------------------------------------------------
  class Msg extends Model {
    unsafe() { return this; }
    canReply() { return !['revoked', 'ciphertext', 'gp2', 'e2e_notification', 'protocol'].includes(this.type); }
    msgContextInfo() { return {}; }
    async downloadMedia() { this.mediaData?.set('mediaStage', 'RESOLVED'); return true; }
  }
  class Chat extends Model {
    constructor(attrs) {
      super(attrs);
      hidden(this, 'msgs', new Collection(Msg));
      this.msgs.msgLoadState = { noEarlierMsgs: false, isLoadingEarlierMsgs: false };
      hidden(this, 'groupMetadata', undefined);
    }
  }
  class Contact extends Model {}
  class GroupMetadata extends Model {}
  class Participant extends Model {}
  class MediaData extends Model {}
  // WA media messages always carry msg.mediaData (a property, not an attribute); mediaStage 'RESOLVED' = on hand.
  const attachMediaData = (msg) => hidden(msg, 'mediaData', MEDIA_TYPES.has(msg.type)
    ? new MediaData({ type: msg.type, mimetype: msg.mimetype, mediaStage: 'RESOLVED', size: msg.size }) : undefined);
  class Call extends Model {
    // Rejecting an incoming call: logged, and the call leaves the collection (emits remove).
    async reject() {
      log('rejectCall', { id: this.id, peerJid: String(this.peerJid) });
      Coll.WAWebCallCollection.remove(this);
      return true;
    }
  }

  // ---- B. Collections and the local "database" of messages per chat (db: chatId → Msg[], oldest first) ----
  const db = new Map();
  const Coll = {
    Msg: new Collection(Msg),
    Chat: new Collection(Chat, (id) => ensureChat(createWid(id))),
    Contact: new Collection(Contact, (id) => ensureContact(createWid(id))),
    GroupMetadata: new Collection(GroupMetadata),
    BusinessProfile: new Collection(Model),
    WAWebCallCollection: new Collection(Call),
    Label: new Collection(Model),
    Status: new Collection(Model),
  };
  const findMsg = (id) => {
    const k = keyOf(id);
    if (Coll.Msg.get(k)) return Coll.Msg.get(k);
    for (const list of db.values()) { const m = list.find((x) => x.id._serialized === k); if (m) return m; }
    return undefined;
  };
  // Looks in the local database too, so messages not loaded into Msg are found (like WA's IndexedDB lookup).
  Coll.Msg.getMessagesById = async (ids) => ({ messages: ids.map(findMsg).filter(Boolean) });
  Coll.GroupMetadata.update = async (wid) => Coll.GroupMetadata.get(wid);
  Coll.BusinessProfile.fetchBizProfile = async (wid) => Coll.BusinessProfile.get(wid);

  function ensureContact(wid, attrs = {}, opts = {}) {
    let c = Coll.Contact.get(wid);
    if (c) { if (attrs.pushname && !c.pushname) c.set('pushname', attrs.pushname, opts); return c; }
    c = new Contact({
      id: wid, name: undefined, shortName: undefined, pushname: undefined, isBusiness: false,
      isContactBlocked: false, isEnterprise: false, isWAContact: true, isMyContact: false,
      verifiedName: undefined, verifiedLevel: undefined, statusMute: false, ...attrs,
    });
    return Coll.Contact.add(c, opts);
  }
  function ensureChat(wid, attrs = {}, groupMetadata, opts = {}) {
    let chat = Coll.Chat.get(wid);
    if (chat) return chat;
    const contact = wid.isUser() ? Coll.Contact.get(wid) : undefined;
    chat = new Chat({
      id: wid, t: nowSec(), unreadCount: 0, archive: false, pin: 0, isLocked: false, muteExpiration: 0,
      mute: { expiration: 0 }, isGroup: wid.isGroup(), isReadOnly: false, lastReceivedKey: undefined,
      formattedTitle: contact?.name || contact?.pushname || (wid.isUser() ? `+${wid.user}` : wid.user),
      ...attrs,
    });
    chat.groupMetadata = groupMetadata;
    if (!db.has(wid._serialized)) db.set(wid._serialized, []);
    return Coll.Chat.add(chat, opts);
  }
  // Stores a message and adds it to chat.msgs and Msg (Msg last, so an `add` listener sees the updated chat).
  function deliver(chat, msg, opts = {}) {
    db.get(chat.id._serialized).push(msg);
    chat.msgs.add(msg, opts);
    const upd = { t: msg.t };
    if (!msg.id.fromMe) { upd.unreadCount = Math.max(chat.unreadCount, 0) + 1; upd.lastReceivedKey = msg.id; }
    chat.set(upd, opts);
    Coll.Msg.add(msg, opts);
    persist();
    return msg;
  }

  // ---- Persistence: pairing, keys, chats, contacts and messages in localStorage ---------------------------
  const readPaired = () => {
    const v = localStorage.getItem('fx:paired');
    if (!v) return null;
    try { const o = JSON.parse(v); if (o && o.me) return o; } catch { /* any truthy value counts */ }
    return { me: ME_DEFAULT };
  };
  let me = readPaired()?.me ?? ME_DEFAULT;
  let pushname = readPaired()?.pushname ?? 'FX Gateway';
  const meWid = () => createWid(`${me}@c.us`);
  const meLid = () => createWid(`${String(1e14 + (Number(me) % 1e14))}@lid`);
  const keys = (() => {
    try { const k = JSON.parse(localStorage.getItem('fx:keys')); if (k?.noise) return k; } catch { /* new */ }
    const k = { noise: b64(rand(32)), identity: b64(rand(32)), adv: b64(rand(32)) };
    localStorage.setItem('fx:keys', JSON.stringify(k));
    return k;
  })();
  const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

  let persistTimer = null;
  function persist() {
    if (persistTimer || !readPaired()) return;
    persistTimer = setTimeout(() => {
      persistTimer = null;
      const plain = (x) => JSON.parse(JSON.stringify(x));
      const chats = Coll.Chat.map((c) => ({
        ...plain(c.serialize()),
        group: c.groupMetadata && {
          subject: c.groupMetadata.subject, participants: plain(c.groupMetadata.participants),
        },
      }));
      const msgs = [...db.values()].flat().sort((a, b) => a.t - b.t).slice(-DB_LIMIT)
        .map((m) => ({ ...plain(m.serialize()), mediaBlob: undefined }));
      localStorage.setItem('fx:db', JSON.stringify({ chats, contacts: plain(Coll.Contact.serialize()), msgs }));
    }, 0);
  }
  Coll.Msg.on('change', persist);
  Coll.Chat.on('change', persist);

  // After a reload: chats and contacts come back; chat.msgs holds only the newest RESTORE_WINDOW messages,
  // the rest stay in the database for loadEarlierMsgs. Restored messages have isNewMsg:false.
  let restored = false;
  function restoreDb() {
    if (restored) return;
    restored = true;
    let data;
    try { data = JSON.parse(localStorage.getItem('fx:db')); } catch { return; }
    if (!data) return;
    for (const { id, ...rest } of data.contacts ?? []) ensureContact(createWid(id), rest);
    for (const { id, group, lastReceivedKey, ...rest } of data.chats ?? []) {
      const wid = createWid(id);
      const meta = group && makeGroupMetadata(wid, group.subject, group.participants);
      if (meta) Coll.GroupMetadata.add(meta);
      ensureChat(wid, { ...rest, lastReceivedKey: lastReceivedKey && new MsgKey(lastReceivedKey) }, meta);
    }
    const wid = (x) => x && createWid(x);
    for (const m of data.msgs ?? []) {
      const msg = new Msg({ ...m, id: new MsgKey(m.id), from: wid(m.from), to: wid(m.to), author: wid(m.author),
        isNewMsg: false });
      attachMediaData(msg); // the bytes do not persist: downloading a restored media message fails
      const chatId = msg.id.remote._serialized;
      if (!db.has(chatId)) db.set(chatId, []);
      db.get(chatId).push(msg);
    }
    for (const chat of Coll.Chat.getModelsArray()) {
      const window_ = db.get(chat.id._serialized).slice(-RESTORE_WINDOW);
      chat.msgs.add(window_);
      Coll.Msg.add(window_);
    }
  }

  // ---- B. Socket, Conn, Cmd, Stream and the login modules --------------------------------------------------
  const Socket = new Model({ state: 'OPENING', hasSynced: false });
  const Conn = new Model({ ref: undefined, wid: undefined, pushname: undefined, platform: 'web', phone: undefined });
  Conn.canSetMyPushname = () => true;
  const Stream = new Model({ available: false });
  Stream.markAvailable = () => { log('stream', { available: true }); Stream.set('available', true); };
  Stream.markUnavailable = () => { log('stream', { available: false }); Stream.set('available', false); };
  let offlineProgress = 0;
  const pairing = { type: undefined, phone: undefined };

  const Cmd = Object.assign(Object.create(Events), {
    refreshQR() { log('refreshQR'); showQR(); },
    archiveChat(chat, archive) {
      log('archiveChat', { chatId: String(chat.id), archive });
      chat.set('archive', !!archive);
      return Promise.resolve();
    },
    markChatUnread(chat, unread) {
      log('markChatUnread', { chatId: String(chat.id), unread });
      chat.set('unreadCount', unread ? -1 : 0);
      return Promise.resolve();
    },
    // sendRevokeMsgs(chat, {type:'message', list:[msg]}, {clearMedia}) (also accepts a bare array of msgs).
    async sendRevokeMsgs(chat, msgs, options) {
      const list = Array.isArray(msgs) ? msgs : msgs?.list ?? [];
      log('revoke', { chatId: String(chat.id), ids: list.map((m) => m.id._serialized), options });
      for (const m of list) m.set('type', 'revoked');
      return list.map(() => 'OK');
    },
    // Delete for me: the messages leave Msg and chat.msgs (emits remove).
    async sendDeleteMsgs(chat, msgs, clearMedia) {
      const list = Array.isArray(msgs) ? msgs : msgs?.list ?? [];
      log('delete', { chatId: String(chat.id), ids: list.map((m) => m.id._serialized), clearMedia });
      const stored = db.get(chat.id._serialized) ?? [];
      for (const m of list) {
        chat.msgs.remove(m);
        Coll.Msg.remove(m);
        if (stored.includes(m)) stored.splice(stored.indexOf(m), 1);
      }
      persist();
      return list.map(() => 'OK');
    },
  });
  Socket.logout = async () => { log('logout'); doLogout(); };
  Socket.reconnect = () => { log('reconnect'); Socket.set('state', 'OPENING'); setTimeout(boot, T.bootMs); };
  Socket.takeover = () => { log('takeover'); if (readPaired()) Socket.set('state', 'CONNECTED'); };

  // ---- C. Lifecycle: OPENING → UNPAIRED (QR, rotating refs) → PAIRING → CONNECTED → hasSynced ------------
  let qrTimer = null;
  let rotations = 0;
  const newRef = () => Conn.set('ref', `2@${b64(rand(36))}`);
  function scheduleRotation() {
    clearTimeout(qrTimer);
    qrTimer = setTimeout(() => {
      if (Socket.state !== 'UNPAIRED') return;
      if (rotations >= T.qrMax) { Socket.set('state', 'UNPAIRED_IDLE'); return; }
      rotations += 1;
      newRef();
      scheduleRotation();
    }, T.qrMs);
  }
  // The ref is set before the state changes, so a listener waiting for UNPAIRED can read Conn.ref at once.
  function showQR() { rotations = 0; newRef(); Socket.set('state', 'UNPAIRED'); scheduleRotation(); }
  function link(hook, phone) {
    if (!/^UNPAIRED/.test(Socket.state)) throw new Error(`__fx.${hook}: state is ${Socket.state}, not UNPAIRED*`);
    clearTimeout(qrTimer);
    me = phone || ME_DEFAULT;
    localStorage.setItem('fx:paired', JSON.stringify({ me, pushname }));
    Socket.set('hasSynced', false, { silent: true }); // only matters if a test re-links in the same page
    Socket.set('state', 'PAIRING');
    const synced = new Promise((resolve) => Socket.once('change:hasSynced', () => resolve(true)));
    setTimeout(() => connect(false), T.pairMs);
    return synced;
  }
  // CONNECTED, then offline_progress_update_from_bridge (0 → 50 → 100), then hasSynced = true (once per page).
  function connect(fromStorage) {
    const phone = { wa_version: '2.25.1.0', device_manufacturer: 'Fixture', device_model: 'FX-1', os_version: '14' };
    Conn.set({ wid: meWid(), pushname, phone });
    if (fromStorage) restoreDb();
    Socket.set('state', 'CONNECTED');
    [0, 50, 100].forEach((p, i) => setTimeout(() => {
      offlineProgress = p;
      Cmd.trigger('offline_progress_update_from_bridge');
      if (p === 100) { registerLate(); Socket.set('hasSynced', true); }
    }, (i + 1) * T.syncStepMs));
  }
  function boot() { if (readPaired()) connect(true); else showQR(); }
  function doLogout() {
    Cmd.trigger('logout');
    for (const k of ['fx:paired', 'fx:db', 'fx:keys']) localStorage.removeItem(k);
    setTimeout(() => { location.href = '/?post_logout=1'; }, 100);
  }
  setTimeout(() => { window.Debug = { VERSION }; }, T.debugMs);
  setTimeout(boot, T.bootMs);

  // ---- B. Module table (§7 B), then the modules named in §2–§4 beyond it ------------------------------------
  define('WAWebSocketModel', { Socket });
  define('WAWebConnModel', { Conn });
  define('WAWebCmd', { Cmd });
  define('WAWebStreamModel', { Stream });
  define('WAWebOfflineHandler', { OfflineMessageHandler: { getOfflineDeliveryProgress: () => offlineProgress } });
  define('WABase64', { encodeB64: (bytes) => b64(bytes), decodeB64: (s) => unb64(s).buffer });
  define('WAWebSignalStoreApi', {
    waSignalStore: { getRegistrationInfo: async () => ({ identityKeyPair: { pubKey: unb64(keys.identity) } }) },
  });
  define('WAWebUserPrefsInfoStore', {
    waNoiseInfo: { get: async () => ({ staticKeyPair: { pubKey: unb64(keys.noise) } }) },
  });
  define('WAWebAdvSignatureApi', { getADVSecretKey: async () => keys.adv });
  define('WAWebCompanionRegClientUtils', { DEVICE_PLATFORM: 'WEB' });
  define('WAWebBuildConstants', { VERSION_STR: VERSION });
  define('WAWebAltDeviceLinkingApi', {
    setPairingType: (type) => { pairing.type = type; log('setPairingType', { type }); },
    initializeAltDeviceLinking: async () => { log('initializeAltDeviceLinking'); },
    startAltLinkingFlow: async (phone, notify) => {
      if (!/^UNPAIRED/.test(Socket.state)) throw new Error(`startAltLinkingFlow: state is ${Socket.state}`);
      pairing.phone = String(phone).replace(/\D/g, '');
      log('pairingCode', { phone: pairing.phone, notify });
      return 'ABCD1234';
    },
  });
  define('WAWebUserPrefsMeUser', {
    getMaybeMePnUser: () => (readPaired() ? meWid() : undefined),
    getMaybeMeLidUser: () => (readPaired() ? meLid() : undefined),
  });
  define('WAWebWidFactory', {
    createWid,
    createUserWid: (user, server = 'c.us') => createWid(`${user}@${server}`),
    asUserWidOrThrow: (w) => {
      const wid = createWid(w);
      if (!wid.isUser()) throw new Error(`asUserWidOrThrow: ${wid} is not a user wid`);
      return wid;
    },
  });
  define('WAWebMsgKey', MsgKey);
  define('WAWebCollections', Coll);
  define('WAWebFindChatAction', { findOrCreateLatestChat: async (wid) => ({ chat: ensureChat(createWid(wid)) }) });
  define('WAWebChatGetters', {
    getIsNewsletter: (chat) => chat.id.isNewsletter(),
    getIsBroadcast: (chat) => chat.id.isBroadcast(),
  });
  const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"']+/gi;
  const toLink = (s) => ({ href: /^www\./i.test(s) ? `http://${s}` : s, suspiciousCharacters: new Set() });
  define('WALinkify', {
    findLink: (str) => { const m = String(str ?? '').match(LINK); return m ? { href: toLink(m[0]).href } : null; },
    findLinks: (str) => (String(str ?? '').match(LINK) ?? []).map(toLink),
  });
  define('WAWebGetEphemeralFieldsMsgActionsUtils', { getEphemeralFields: () => ({}) });

  // Send: [Promise<Msg> (after add), Promise<{messageSendResult}> (at server ack)]; acks 1 → 2 → 3 follow.
  // attrs.id (a MsgKey) is honoured; a second send with an id that already exists adds nothing (logged
  // with duplicate:true) and resolves to the existing message.
  function addAndSendMsgToChat(chat, attrs) {
    if (!(chat instanceof Chat)) throw new TypeError('addAndSendMsgToChat: chat must be a Chat model');
    let key = attrs.id;
    if (!key) key = new MsgKey({ from: meWid(), to: chat.id, id: `3EB0${hex(8)}`, selfDir: 'out' });
    else if (!(key instanceof MsgKey)) key = new MsgKey(key);
    const existing = findMsg(key);
    if (existing) {
      log('send', { chatId: String(chat.id), id: key._serialized, duplicate: true });
      return [Promise.resolve(existing), Promise.resolve({ messageSendResult: 'OK' })];
    }
    const isMedia = MEDIA_TYPES.has(attrs.type);
    const msg = new Msg({
      type: 'chat', body: '', t: nowSec(), from: meWid(), to: chat.id, self: 'out', local: true, star: false,
      notifyName: pushname, ...attrs, id: key, ack: 0, isNewMsg: true, ...(isMedia ? { isUnsentMedia: true } : {}),
    });
    attachMediaData(msg);
    const sent = new Promise((resolve) => {
      const onAck = (m, ack) => {
        if (ack === 0) return;
        msg.off('change:ack', onAck);
        resolve({ messageSendResult: ack > 0 ? 'OK' : 'ERROR_UNKNOWN' });
      };
      msg.on('change:ack', onAck);
    });
    log('send', {
      chatId: String(chat.id), id: key._serialized, type: msg.type, body: msg.body, caption: attrs.caption,
      mimetype: attrs.mimetype, filename: attrs.filename,
    });
    deliver(chat, msg);
    if (fx.config.autoAck) {
      const step = (n) => { if (msg.ack >= 0 && msg.ack < n) msg.set('ack', n); };
      const ms = fx.config.ackMs;
      if (fx.config.sendFails) setTimeout(() => msg.set('ack', -1), ms);
      else {
        setTimeout(() => { if (isMedia) msg.set('isUnsentMedia', false); step(1); }, ms);
        setTimeout(() => step(2), 2 * ms);
        setTimeout(() => step(3), 3 * ms);
      }
    }
    return [Promise.resolve(msg), sent];
  }
  define('WAWebSendMsgChatAction', { addAndSendMsgToChat });

  // sendSeen takes {chat, threadId}; a bare chat fails the way WA did in 2026-01 (#5718).
  define('WAWebUpdateUnreadChatAction', {
    sendSeen: async (arg) => {
      const chat = arg instanceof Chat ? undefined : arg?.chat;
      if (!chat) throw new TypeError("Cannot read properties of undefined (reading 'markedUnread')");
      log('sendSeen', { chatId: String(chat.id), threadId: arg.threadId });
      chat.set('unreadCount', 0);
      return true;
    },
  });
  const chatstate = (state) => async (wid) => { log('chatstate', { state, chatId: String(createWid(wid)) }); };
  define('WAWebChatStateBridge', {
    sendChatStateComposing: chatstate('composing'),
    sendChatStateRecording: chatstate('recording'),
    sendChatStatePaused: chatstate('paused'),
  });
  define('WAWebPresenceChatAction', {
    sendPresenceAvailable: async () => { log('presence', { available: true }); },
    sendPresenceUnavailable: async () => { log('presence', { available: false }); },
  });
  define('WAWebQueryExistsJob', {
    queryWidExists: async (w) => {
      const wid = createWid(w);
      log('queryExists', { id: wid._serialized });
      return fx.registered.has(wid.user) || wid.user === me ? { wid } : null;
    },
  });
  const isMe = (c) => keyOf(c.id) === meWid()._serialized;
  define('WAWebContactGetters', {
    getIsMe: isMe, getIsUser: (c) => c.id.isUser(), getIsGroup: (c) => c.id.isGroup(),
    getIsWAContact: (c) => c.isWAContact, getUserid: (c) => c.id.user, getVerifiedName: (c) => c.verifiedName,
    getVerifiedLevel: (c) => c.verifiedLevel, getStatusMute: (c) => c.statusMute, getName: (c) => c.name,
    getShortName: (c) => c.shortName, getPushname: (c) => c.pushname, getIsEnterprise: (c) => c.isEnterprise,
  });
  define('WAWebFrontendContactGetters', { getIsMyContact: (c) => c.isMyContact });
  define('WAWebMiscBrowserUtils', { info: () => ({ os: 'Linux', name: 'Chrome', version: '156.0' }) });

  // History (§2.3 "history"): loads up to EARLIER_PAGE messages older than the oldest one in chat.msgs from
  // the local database, prepends them to chat.msgs and adds them to Msg (isNewMsg stays false). Returns the
  // loaded messages, oldest first ([] when there are none; msgs.msgLoadState.noEarlierMsgs is then true).
  define('WAWebChatLoadMessages', {
    loadEarlierMsgs: async (chat, msgs = chat.msgs) => {
      const all = db.get(chat.id._serialized) ?? [];
      const oldest = msgs.at(0);
      const end = oldest ? all.findIndex((m) => m.id._serialized === oldest.id._serialized) : all.length;
      const page = all.slice(Math.max(0, end - EARLIER_PAGE), Math.max(0, end)).filter((m) => !msgs.get(m.id));
      for (const m of page) m.set('isNewMsg', false, { silent: true });
      msgs.add(page, { at: 0 });
      Coll.Msg.add(page);
      msgs.msgLoadState.noEarlierMsgs = end - page.length <= 0;
      return page;
    },
  });

  // Revoke / edit / reactions (§2.3 "react / delete / edit").
  define('WAWebMsgActionCapability', {
    canSenderRevokeMsg: (msg) => !!msg.id.fromMe && msg.type !== 'revoked',
    canAdminRevokeMsg: (msg) => !!msg.id.remote.isGroup() && !!Coll.GroupMetadata.get(msg.id.remote)
      ?.participants.get(meWid())?.isAdmin,
  });
  define('WAWebSendMessageEditAction', {
    sendMessageEdit: async (msg, newBody, options) => {
      log('edit', { id: msg.id._serialized, body: newBody, options });
      applyEdit(msg, newBody, true);
      return { messageSendResult: 'OK' };
    },
  });
  function applyEdit(msg, body, fromMe) {
    const field = MEDIA_TYPES.has(msg.type) ? 'caption' : 'body';
    const editKey = new MsgKey({ fromMe, remote: msg.id.remote, id: fromMe ? `3EB0${hex(8)}` : incomingId() });
    msg.set({ latestEditMsgKey: editKey, latestEditSenderTimestampMs: Date.now(), [field]: body });
  }
  // Reactions are not Msg models in WA Web: they are rows written through
  // WAWebAddonReactionTableMode.reactionTableMode.bulkUpsert(list), which wwebjs wraps to emit
  // message_reaction (§3). Row fields: id (MsgKey of the reaction), reactionParentKey (MsgKey of the target),
  // reactionText ('' = removed), reactionTimestamp (ms), from, author (group sender), orphan, read, ack.
  const reactionRows = new Map();
  define('WAWebAddonReactionTableMode', {
    reactionTableMode: {
      bulkUpsert: async (rows) => { for (const r of rows) reactionRows.set(r.id._serialized, r); return rows; },
    },
  });
  function upsertReaction(parent, emoji, sender, fromMe) {
    const remote = parent.id.remote;
    const participant = remote.isGroup() ? sender : undefined;
    const row = {
      id: new MsgKey({ fromMe, remote, id: fromMe ? `3EB0${hex(8)}` : incomingId(), participant }),
      reactionParentKey: parent.id, reactionText: emoji, reactionTimestamp: Date.now(),
      from: remote.isGroup() ? remote : sender, author: remote.isGroup() ? sender : undefined,
      orphan: 0, read: fromMe, ack: 1,
    };
    // Looked up at call time so a wrapper installed by injected code sees the row.
    window.require('WAWebAddonReactionTableMode').reactionTableMode.bulkUpsert([row]);
    parent.set('hasReaction', true);
    return row.id._serialized;
  }
  define('WAWebSendReactionMsgAction', {
    sendReactionToMsg: async (msg, emoji) => {
      log('react', { id: msg.id._serialized, emoji });
      upsertReaction(msg, emoji, meWid(), true);
      return { messageSendResult: 'OK' };
    },
  });

  // ---- D. Second-tier media stub: the send pipeline of §2.3 and the download manager ----------------------
  const blobsByHash = new Map(); // filehash → Blob (from prepRawMedia)
  const blobsByPath = new Map(); // directPath → Blob (uploaded or incoming media)
  const mediaObjects = new Map();
  class OpaqueData {
    constructor(data, mimetype) {
      this._blob = data instanceof Blob ? data : new Blob([data], { type: mimetype });
      this.type = mimetype || this._blob.type;
      this.size = this._blob.size;
    }
  }
  define('WAWebMediaOpaqueData', { createFromData: async (data, mimetype) => new OpaqueData(data, mimetype) });
  const mediaTypeFor = (mime, o = {}) => (o.asSticker ? 'sticker' : o.asDocument ? 'document' : o.isPtt ? 'ptt'
    : /^image\//.test(mime) ? 'image' : /^video\//.test(mime) ? 'video' : /^audio\//.test(mime) ? 'audio' : 'document');
  define('WAWebPrepRawMedia', {
    prepRawMedia: (opaque, options = {}) => {
      const prep = (async () => {
        const blob = opaque._blob ?? opaque;
        const filehash = b64(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
        blobsByHash.set(filehash, blob);
        return new MediaData({
          type: mediaTypeFor(opaque.type ?? blob.type, options), mimetype: opaque.type ?? blob.type, filehash,
          mediaBlob: opaque, size: blob.size, isGif: !!options.asGif, mediaStage: 'PREPARED', preview: undefined,
        });
      })();
      return { waitForPrep: () => prep };
    },
  });
  define('WAWebMediaStorage', {
    getOrCreateMediaObject: (filehash) => {
      if (!mediaObjects.has(filehash)) {
        mediaObjects.set(filehash, { filehash, consolidate(json) { Object.assign(this, json); } });
      }
      return mediaObjects.get(filehash);
    },
  });
  define('WAWebMmsMediaTypes', { msgToMediaType: ({ type }) => type });
  define('WAWebMediaDataUtils', { shouldUseMediaCache: () => true });
  define('WAWebMediaInMemoryBlobCache', {
    InMemoryMediaBlobCache: { put: (hash, blob) => blobsByHash.set(hash, blob._blob ?? blob) },
  });
  define('WAWebMediaMmsV4Upload', {
    uploadMedia: async ({ mimetype, mediaObject, mediaType }) => {
      const blob = blobsByHash.get(mediaObject.filehash) ?? mediaObject.mediaBlob?._blob;
      if (!blob) throw new Error('uploadMedia: unknown media object (prepRawMedia first)');
      const directPath = `/v/t62.7118-24/fx_${hex(8)}.enc?ccb=11-4`;
      blobsByPath.set(directPath, blob);
      log('upload', { mediaType, mimetype, size: blob.size, directPath });
      return {
        mediaEntry: {
          mmsUrl: `https://mmg.whatsapp.net${directPath}`, directPath, mediaKey: b64(rand(32)),
          mediaKeyTimestamp: nowSec(), encFilehash: b64(rand(32)), uploadHash: b64(rand(32)),
          sidecar: undefined, firstFrameSidecar: undefined,
        },
      };
    },
  });
  define('WAWebDownloadManager', {
    downloadManager: {
      downloadAndMaybeDecrypt: async ({ directPath }) => {
        const blob = blobsByPath.get(directPath);
        if (!blob) throw new Error(`downloadAndMaybeDecrypt: ${directPath} not found`);
        return blob.arrayBuffer();
      },
    },
  });

  // ---- C. Test hooks -------------------------------------------------------------------------------------
  function need(id, hook) {
    const m = findMsg(id);
    if (!m) throw new Error(`__fx.${hook}: no message ${keyOf(id)}`);
    return m;
  }
  // incoming({from, body, type='chat', author, id, t, notifyName, mimetype, data(base64), caption, filename, …})
  function incoming(spec, opts = {}) {
    const chatWid = createWid(spec.from);
    if (chatWid.isGroup() && !spec.author) throw new Error('__fx.incoming: a group message needs an author');
    const author = spec.author ? createWid(spec.author) : undefined;
    const sender = author ?? chatWid;
    const silent = !!(opts.silent || spec.away);
    fx.registered.add(sender.user);
    if (sender.isUser()) ensureContact(sender, { pushname: spec.notifyName }, { silent });
    const chat = ensureChat(chatWid, {}, undefined, { silent });
    const key = new MsgKey({ fromMe: false, remote: chatWid, id: spec.id ?? incomingId(), participant: author });
    const { from: _f, author: _a, id: _i, data, away: _w, ...rest } = spec;
    const attrs = {
      type: 'chat', body: '', t: nowSec(), notifyName: spec.notifyName ?? '', star: false, ack: 1, ...rest,
      id: key, from: chatWid, to: meWid(), author, isNewMsg: true, recvFresh: true,
    };
    if (MEDIA_TYPES.has(attrs.type)) {
      const blob = new Blob([data ? unb64(data) : new Uint8Array()], { type: attrs.mimetype });
      const directPath = `/v/t62.7118-24/fx_${hex(8)}.enc?ccb=11-4`;
      blobsByPath.set(directPath, blob);
      Object.assign(attrs, { directPath, mediaKey: b64(rand(32)), mediaKeyTimestamp: nowSec(),
        filehash: b64(rand(32)), encFilehash: b64(rand(32)), size: blob.size, caption: attrs.caption ?? '' });
    }
    const msg = new Msg(attrs);
    attachMediaData(msg);
    deliver(chat, msg, { silent });
    return key._serialized;
  }

  Object.assign(fx, {
    state: () => ({ state: Socket.state, hasSynced: Socket.hasSynced, ref: Conn.ref, paired: !!readPaired(), me }),
    rotateRef: () => { rotations += 1; newRef(); return Conn.ref; },
    scan: (phone) => link('scan', phone && String(phone).replace(/\D/g, '')),
    enterPairingCode: () => {
      if (!pairing.phone) throw new Error('__fx.enterPairingCode: no pairing code was requested');
      return link('enterPairingCode', pairing.phone);
    },
    incoming: (spec) => incoming(spec), // spec.away: true is the same as incomingWhileAway(spec)
    // Stored in the database, chat.msgs and Msg (chat updated too) with no event at all: a message that WA
    // received while nobody was listening. Catch-up finds it via chat.msgs / Msg.get / getMessagesById.
    incomingWhileAway: (spec) => incoming(spec, { silent: true }),
    ciphertext: (spec, delayMs = 300) => {
      const id = incoming({ ...spec, type: 'ciphertext', body: '' });
      setTimeout(() => findMsg(id).set({ type: spec.type ?? 'chat', body: spec.body ?? '' }), delayMs);
      return id;
    },
    ack: (id, n) => { need(id, 'ack').set('ack', n); },
    revoke: (id) => { need(id, 'revoke').set('type', 'revoked'); },
    edit: (id, body) => { applyEdit(need(id, 'edit'), body, false); },
    react: (id, emoji, from) => {
      const parent = need(id, 'react');
      if (parent.id.remote.isGroup() && !from) throw new Error('__fx.react: a group reaction needs a sender');
      return upsertReaction(parent, emoji, createWid(from ?? parent.id.remote), false);
    },
    reactions: () => [...reactionRows.values()],
    group: (id, subject, participants = []) => {
      const wid = createWid(String(id).includes('@') ? id : `${id}@g.us`);
      const meta = makeGroupMetadata(wid, subject, participants);
      Coll.GroupMetadata.add(meta);
      const chat = ensureChat(wid, { formattedTitle: subject, name: subject }, meta);
      chat.groupMetadata = meta;
      persist();
      return wid._serialized;
    },
    call: (from, { isVideo = false, isGroup = false } = {}) => {
      const call = new Call({ id: hex(16), peerJid: createWid(from), offerTime: nowSec(), isVideo, isGroup,
        outgoing: false, canHandleLocally: false, webClientShouldHandle: false, participants: [] });
      Coll.WAWebCallCollection.add(call);
      return call.id;
    },
    setState: (s) => { Socket.set('state', s); },
    logout: () => doLogout(),
    reload: () => location.reload(),
    // Scheduled on the next task so the caller's evaluate returns first; then the main thread spins for ms.
    freeze: (ms) => {
      setTimeout(() => { const end = performance.now() + ms; while (performance.now() < end) { /* busy */ } }, 0);
      return true;
    },
  });
  function makeGroupMetadata(wid, subject, participants) {
    const parts = new Collection(Participant);
    for (const p of participants) {
      const o = typeof p === 'string' ? { id: p } : p;
      const pid = createWid(o.id);
      fx.registered.add(pid.user);
      parts.add(new Participant({ id: pid, isAdmin: !!o.isAdmin, isSuperAdmin: !!o.isSuperAdmin }));
    }
    if (!parts.get(meWid())) parts.add(new Participant({ id: meWid(), isAdmin: false, isSuperAdmin: false }));
    return new GroupMetadata({ id: wid, subject, owner: parts.at(0).id, creation: nowSec(), desc: '',
      participants: parts, announce: false, restrict: false, memberAddMode: 'admin_add' });
  }

  // ---- For humans: state and ref on the page (a div[data-ref] like the real QR element) --------------------
  const render = () => {
    const el = (id) => document.getElementById(id);
    if (!el('fx-state')) return;
    el('fx-state').textContent = Socket.state;
    el('fx-synced').textContent = String(Socket.hasSynced);
    el('fx-ref').firstElementChild.textContent = Conn.ref ?? 'none';
    el('fx-ref').setAttribute('data-ref', Conn.ref ?? '');
    el('fx-chats').textContent = String(Coll.Chat.length);
    el('fx-msgs').textContent = String(Coll.Msg.length);
  };
  Socket.on('change', render);
  Conn.on('change:ref', render);
  Coll.Msg.on('add remove', render);
  render();
})();
