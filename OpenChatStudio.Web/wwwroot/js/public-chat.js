// Public chat page (/chat/{publicId}): a small client of the chat API. No framework and no Blazor circuit: an idle
// visitor costs the server an occasional poll. Bot text arrives token by token over the SSE stream (task poll as the
// fallback) and is then replaced by the server's sanitized HTML. docs/public-chat.md
const API = '/api/chat';
const POLL_MIN_MS = 15_000;
const POLL_MAX_MS = 120_000;

class ApiError extends Error {
    constructor(kind, message, status = 0) {
        super(message);
        this.kind = kind; // network | rate | disabled | unavailable | gone | ended | server | client
        this.status = status;
    }
}

const app = document.getElementById('chat-app');
if (app && app.dataset.state === 'ready') {
    start(app);
}

function start(app) {
    const publicId = app.dataset.publicId;
    const botName = app.dataset.botName || 'Chatbot';
    const storeKey = 'ocs-chat:' + publicId;
    const $ = id => document.getElementById(id);
    const el = {
        loading: $('pc-loading'), fatal: $('pc-fatal'), consent: $('pc-consent'), consentForm: $('pc-consent-form'),
        identifier: $('pc-identifier'), identifierError: $('pc-identifier-error'), chat: $('pc-chat'), log: $('pc-log'),
        starters: $('pc-starters'), error: $('pc-error'), errorText: $('pc-error-text'), retry: $('pc-retry'),
        ended: $('pc-ended'), endedText: $('pc-ended-text'), newChat: $('pc-new'), form: $('pc-form'), input: $('pc-input'),
        send: $('pc-send'), files: $('pc-files'), end: $('pc-end'), live: $('pc-live'),
    };

    let state = load();
    let seen = new Map();        // created_at -> <li>
    let since = null;            // newest created_at shown (poll/ cursor)
    let renderedSince = null;    // newest bot message decorated with server HTML
    let busy = false;
    let ended = false;
    let historyLoaded = false;
    let pollDelay = POLL_MIN_MS;
    let pollTimer = 0;
    let streamedDeltas = null;   // token deltas received for the reply being finished
    let retryAction = null;
    let starting = null;         // the pending start/ call, shared by openChat and a message sent meanwhile

    // ---- storage -------------------------------------------------------------------------------------------------
    function load() {
        try {
            return JSON.parse(localStorage.getItem(storeKey)) || {};
        } catch {
            return {};
        }
    }

    function save() {
        try {
            localStorage.setItem(storeKey, JSON.stringify(state));
        } catch {
            // Private mode: the chat works, a reload starts over.
        }
    }

    function randomId() {
        const bytes = new Uint8Array(16);
        crypto.getRandomValues(bytes);
        return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
    }

    // ---- HTTP ----------------------------------------------------------------------------------------------------
    async function call(method, path, body, isForm = false) {
        let response;
        try {
            const init = { method, headers: { Accept: 'application/json' } };
            if (state.sessionToken && state.sessionId && path.startsWith('/' + state.sessionId + '/')) {
                init.headers['X-Session-Token'] = state.sessionToken;
            }
            if (body !== undefined) {
                init.body = isForm ? body : JSON.stringify(body);
                if (!isForm) {
                    init.headers['Content-Type'] = 'application/json';
                }
            }
            response = await fetch(API + path, init);
        } catch {
            throw new ApiError('network', 'We could not reach the server. Check your connection and try again.');
        }
        let data = null;
        try {
            data = await response.json();
        } catch {
            data = null;
        }
        if (response.ok) {
            return data;
        }
        const message = (data && (data.error || data.detail)) || 'Something went wrong.';
        if (response.status === 429) {
            const seconds = parseInt(response.headers.get('Retry-After') || (data && data.available_in) || '60', 10);
            throw new ApiError('rate', `Too many messages, try again in ${seconds} s.`, 429);
        }
        if (data && data.code === 'channel_disabled') {
            throw new ApiError('disabled', message, response.status);
        }
        if (data && data.code === 'not_published') {
            throw new ApiError('unavailable', 'This chatbot is not available yet. Please come back later.', response.status);
        }
        if (data && data.error === 'Session has ended') {
            throw new ApiError('ended', message, response.status);
        }
        const tokenRefused = response.status === 403 && data && (data.code === 'session_token_required' || data.code === 'session_token_invalid');
        if ((response.status === 404 || tokenRefused) && state.sessionId && path.startsWith('/' + state.sessionId + '/')) {
            throw new ApiError('gone', 'This chat no longer exists.', 404);
        }
        if (response.status === 400 && data && typeof data === 'object' && !data.error && !data.detail) {
            const first = Object.values(data).flat()[0];
            throw new ApiError('client', typeof first === 'string' ? first : message, 400);
        }
        throw new ApiError(response.status >= 500 ? 'server' : 'client', message, response.status);
    }

    // ---- error states --------------------------------------------------------------------------------------------
    function showError(error, retry) {
        if (error.kind === 'ended') {
            showEnded();
            return;
        }
        if (error.kind === 'disabled' || error.kind === 'unavailable') {
            showFatal(error.message);
            return;
        }
        if (error.kind === 'gone') {
            state.sessionId = null;
            save();
            retry = () => resetConversation();
        }
        el.errorText.textContent = error.message;
        retryAction = retry || null;
        el.retry.hidden = !retryAction;
        el.error.hidden = false;
    }

    function hideError() {
        el.error.hidden = true;
        el.errorText.textContent = '';
        retryAction = null;
    }

    function showFatal(message) {
        clearTimeout(pollTimer);
        el.loading.hidden = true;
        if (el.consent) {
            el.consent.hidden = true;
        }
        el.chat.hidden = true;
        el.end.hidden = true;
        el.fatal.textContent = message;
        el.fatal.hidden = false;
    }

    async function guarded(action, retry) {
        try {
            hideError();
            await action();
            return true;
        } catch (error) {
            if (!(error instanceof ApiError)) {
                throw error;
            }
            showError(error, retry);
            return false;
        }
    }

    // ---- messages ------------------------------------------------------------------------------------------------
    function messageItem(role, extraClass) {
        const li = document.createElement('li');
        li.className = `pc-msg ${role === 'user' ? 'pc-user' : role === 'assistant' ? 'pc-bot' : 'pc-system'} ${extraClass || ''}`.trim();
        const who = document.createElement('span');
        who.className = 'pc-sr';
        who.textContent = role === 'user' ? 'You said:' : role === 'assistant' ? `${botName} said:` : 'Notice:';
        const body = document.createElement('div');
        body.className = 'pc-body';
        li.append(who, body);
        return { li, body };
    }

    function addMessage(message) {
        const { li, body } = messageItem(message.role);
        li.dataset.createdAt = message.created_at;
        li.dataset.testid = message.role === 'assistant' ? 'bot-message' : message.role === 'user' ? 'user-message' : 'system-message';
        li.setAttribute('data-testid', li.dataset.testid);
        body.textContent = message.content;
        if (message.attachments && message.attachments.length) {
            const list = document.createElement('ul');
            list.className = 'pc-files';
            list.setAttribute('aria-label', 'Attachments');
            for (const file of message.attachments) {
                const item = document.createElement('li');
                const link = document.createElement('a');
                link.href = file.content_url;
                link.textContent = file.name;
                link.rel = 'noopener noreferrer';
                link.target = '_blank';
                item.append(link);
                list.append(item);
            }
            li.append(list);
        }
        if (message.role === 'assistant') {
            body.classList.add('pc-md');
            li.append(ratingButtons(message.created_at));
            if (streamedDeltas !== null) {
                li.dataset.streamDeltas = String(streamedDeltas);
                streamedDeltas = null;
            }
        }
        if (message.role === 'user' && el.starters) {
            el.starters.hidden = true;
        }
        el.log.append(li);
        seen.set(message.created_at, li);
        return li;
    }

    function ratingButtons(createdAt) {
        const group = document.createElement('div');
        group.className = 'pc-rating';
        group.setAttribute('role', 'group');
        group.setAttribute('aria-label', 'Rate this reply');
        for (const [value, symbol, label] of [['up', '👍', 'Helpful'], ['down', '👎', 'Not helpful']]) {
            const button = document.createElement('button');
            button.type = 'button';
            button.className = 'pc-rate';
            button.dataset.rating = value;
            button.setAttribute('aria-pressed', 'false');
            button.setAttribute('aria-label', label);
            button.setAttribute('data-testid', 'rate-' + value);
            button.textContent = symbol;
            button.addEventListener('click', () => rate(createdAt, group, value));
            group.append(button);
        }
        return group;
    }

    function showRating(group, rating) {
        for (const button of group.querySelectorAll('.pc-rate')) {
            button.setAttribute('aria-pressed', String(button.dataset.rating === rating));
        }
    }

    async function rate(createdAt, group, value) {
        const current = group.querySelector('[aria-pressed="true"]');
        const rating = current && current.dataset.rating === value ? null : value;
        await guarded(async () => {
            const result = await call('POST', `/${state.sessionId}/rating/`, { created_at: createdAt, rating });
            showRating(group, result.rating);
        }, () => rate(createdAt, group, value));
    }

    function scrollToEnd() {
        const last = el.log.lastElementChild;
        if (last) {
            // The message box is sticky at the bottom: keep the end of the last message above it, not under it.
            document.documentElement.style.scrollPaddingBottom = (el.form && !el.form.hidden ? el.form.offsetHeight : 0) + 16 + 'px';
            last.scrollIntoView({ block: 'end' });
        }
    }

    function announce(text) {
        const short = text.length > 300 ? text.slice(0, 300) + '…' : text;
        el.live.textContent = `${botName}: ${short}`;
    }

    // Messages newer than the cursor (the whole history after a reload), then the bots' HTML and ratings.
    async function refresh() {
        const fresh = [];
        for (;;) {
            const query = since ? '?since=' + encodeURIComponent(since) : '';
            const data = await call('GET', `/${state.sessionId}/poll/${query}`);
            for (const message of data.messages) {
                if (!seen.has(message.created_at)) {
                    addMessage(message);
                    fresh.push(message);
                }
                since = message.created_at;
            }
            if (data.session_status === 'ended') {
                showEnded();
            }
            if (!data.has_more) {
                break;
            }
        }
        const bots = fresh.filter(m => m.role === 'assistant');
        if (bots.length) {
            await decorate();
            if (historyLoaded) {
                announce(bots.map(m => m.content).join(' '));
            }
            scrollToEnd();
        }
        historyLoaded = true;
        return fresh;
    }

    async function decorate() {
        const query = renderedSince ? '?since=' + encodeURIComponent(renderedSince) : '';
        const data = await call('GET', `/${state.sessionId}/rendered/${query}`);
        for (const item of data.messages) {
            renderedSince = item.created_at;
            const li = seen.get(item.created_at);
            if (!li) {
                continue;
            }
            // Sanitized on the server (Markdig without HTML + HtmlSanitizer allowlist).
            li.querySelector('.pc-body').innerHTML = item.html;
            const group = li.querySelector('.pc-rating');
            if (group) {
                showRating(group, item.rating);
            }
        }
    }

    // ---- sending -------------------------------------------------------------------------------------------------
    function setBusy(value) {
        busy = value;
        el.send.disabled = value;
        app.setAttribute('aria-busy', String(value));
        if (el.starters) {
            for (const chip of el.starters.querySelectorAll('button')) {
                chip.disabled = value;
            }
        }
    }

    async function send(text) {
        text = text.trim();
        if (busy || ended || !text) {
            return;
        }
        setBusy(true);
        hideError();
        const pending = messageItem('user', 'pc-pending');
        pending.body.textContent = text;
        el.log.append(pending.li);
        scrollToEnd();
        el.input.value = '';
        let bubble = null;
        try {
            // The chat is on screen while start/ is still running: a quick visitor's first message waits for the session.
            await ensureSession();
            let attachmentIds = [];
            if (el.files && el.files.files.length) {
                const form = new FormData();
                for (const file of el.files.files) {
                    form.append('files', file);
                }
                const uploaded = await call('POST', `/${state.sessionId}/upload/`, form, true);
                attachmentIds = uploaded.files.map(f => f.id);
            }
            const body = attachmentIds.length ? { message: text, attachment_ids: attachmentIds } : { message: text };
            const accepted = await call('POST', `/${state.sessionId}/message/`, body);
            if (el.files) {
                el.files.value = '';
            }
            bubble = messageItem('assistant', 'pc-streaming');
            bubble.li.setAttribute('aria-busy', 'true');
            bubble.li.setAttribute('data-testid', 'bot-streaming');
            el.log.append(bubble.li);
            streamedDeltas = await awaitReply(accepted.task_id, bubble);
            pending.li.remove();
            bubble.li.remove();
            bubble = null;
            await refresh();
            pollDelay = POLL_MIN_MS;
        } catch (error) {
            pending.li.remove();
            if (bubble) {
                bubble.li.remove();
            }
            streamedDeltas = null;
            if (!(error instanceof ApiError)) {
                throw error;
            }
            if (!el.input.value) {
                el.input.value = text;
            }
            showError(error, () => send(el.input.value || text));
        } finally {
            setBusy(false);
            schedulePoll();
        }
    }

    // Token deltas over server-sent events; the task poll when the stream is unavailable. Resolves with the delta count.
    function awaitReply(taskId, bubble) {
        if (!('EventSource' in window)) {
            return pollTask(taskId).then(() => 0);
        }
        return new Promise((resolve, reject) => {
            let deltas = 0;
            let settled = false;
            const token = state.sessionToken ? `?session_token=${encodeURIComponent(state.sessionToken)}` : '';
            const source = new EventSource(`${API}/${state.sessionId}/${taskId}/stream/${token}`);
            const finish = (fn, value) => {
                if (!settled) {
                    settled = true;
                    source.close();
                    fn(value);
                }
            };
            source.addEventListener('delta', event => {
                deltas++;
                bubble.body.append(JSON.parse(event.data).text);
                bubble.li.dataset.deltas = String(deltas);
                scrollToEnd();
            });
            source.addEventListener('done', () => finish(resolve, deltas));
            source.addEventListener('error', event => {
                if (event.data) {
                    // The server's own error event: the turn failed.
                    const problem = JSON.parse(event.data).error || 'The chatbot could not answer.';
                    finish(reject, new ApiError(problem === 'Session has ended' ? 'ended' : 'server', problem));
                    return;
                }
                // The connection failed (proxy, rate limit, network): fall back to polling the task.
                if (!settled) {
                    settled = true;
                    source.close();
                    pollTask(taskId).then(() => resolve(deltas), reject);
                }
            });
        });
    }

    async function pollTask(taskId) {
        for (let attempt = 0; attempt < 600; attempt++) {
            const data = await call('GET', `/${state.sessionId}/${taskId}/poll/`);
            if (data.status === 'complete') {
                return data.message;
            }
            await new Promise(r => setTimeout(r, attempt < 10 ? 500 : 1500));
        }
        throw new ApiError('server', 'The chatbot is taking too long to answer. Try again.');
    }

    // ---- background poll (bot-initiated messages) ----------------------------------------------------------------
    function schedulePoll() {
        clearTimeout(pollTimer);
        if (ended || !state.sessionId) {
            return;
        }
        pollTimer = setTimeout(async () => {
            if (!busy && document.visibilityState === 'visible') {
                try {
                    const fresh = await refresh();
                    pollDelay = fresh.length ? POLL_MIN_MS : Math.min(pollDelay * 2, POLL_MAX_MS);
                } catch {
                    pollDelay = Math.min(pollDelay * 2, POLL_MAX_MS);
                }
            }
            schedulePoll();
        }, pollDelay);
    }

    document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible' && historyLoaded && !ended) {
            pollDelay = POLL_MIN_MS;
            schedulePoll();
        }
    });

    // ---- session lifecycle ---------------------------------------------------------------------------------------
    function ensureSession() {
        if (state.sessionId) {
            return Promise.resolve();
        }
        if (!starting) {
            starting = startSession().finally(() => {
                starting = null;
            });
        }
        return starting;
    }

    async function startSession() {
        if (!state.remoteId) {
            state.remoteId = 'anon:' + randomId();
            save();
        }
        const data = await call('POST', '/start/', {
            chatbot_id: publicId,
            participant_remote_id: state.remoteId,
            session_data: { source: 'hosted_page' },
        });
        state.sessionId = data.session_id;
        state.sessionToken = data.session_token || null;
        save();
    }

    async function openChat() {
        el.loading.hidden = true;
        if (el.consent) {
            el.consent.hidden = true;
        }
        el.chat.hidden = false;
        const ok = await guarded(async () => {
            await ensureSession();
            await refresh();
        }, openChat);
        if (ok && !ended) {
            el.end.hidden = false;
            schedulePoll();
        }
        return ok;
    }

    function showEnded() {
        ended = true;
        clearTimeout(pollTimer);
        el.form.hidden = true;
        el.end.hidden = true;
        if (el.starters) {
            el.starters.hidden = true;
        }
        for (const button of el.log.querySelectorAll('.pc-rate')) {
            button.disabled = true;
        }
        el.ended.hidden = false;
    }

    async function endChat() {
        if (busy) {
            return;
        }
        const ok = await guarded(async () => {
            await call('POST', `/${state.sessionId}/end/`, {});
        }, endChat);
        if (ok) {
            showEnded();
            el.endedText.focus();
        }
    }

    async function resetConversation() {
        state.sessionId = null;
        save();
        for (const li of seen.values()) {
            li.remove();
        }
        seen = new Map();
        since = null;
        renderedSince = null;
        historyLoaded = false;
        ended = false;
        el.ended.hidden = true;
        el.form.hidden = false;
        if (el.starters) {
            el.starters.hidden = false;
        }
        if (await openChat()) {
            el.input.focus();
        }
    }

    // ---- wiring --------------------------------------------------------------------------------------------------
    el.form.addEventListener('submit', event => {
        event.preventDefault();
        send(el.input.value);
    });
    el.input.addEventListener('keydown', event => {
        if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            el.form.requestSubmit();
        }
    });
    if (el.starters) {
        el.starters.addEventListener('click', event => {
            const chip = event.target.closest('button[data-question]');
            if (chip) {
                send(chip.dataset.question);
            }
        });
    }
    el.retry.addEventListener('click', () => {
        const action = retryAction;
        hideError();
        if (action) {
            action();
        }
    });
    el.end.addEventListener('click', endChat);
    el.newChat.addEventListener('click', resetConversation);

    if (el.consentForm) {
        el.consentForm.addEventListener('submit', event => {
            event.preventDefault();
            if (el.identifier) {
                const value = el.identifier.value.trim();
                if (!value || !el.identifier.checkValidity()) {
                    el.identifierError.textContent = value ? 'Please enter a valid value.' : 'This field is required.';
                    el.identifierError.hidden = false;
                    el.identifier.setAttribute('aria-invalid', 'true');
                    el.identifier.focus();
                    return;
                }
                state.remoteId = value;
            }
            state.consented = true;
            save();
            openChat().then(ok => ok && el.input.focus());
        });
    }

    el.loading.hidden = true;
    if (el.consent && !state.consented && !state.sessionId) {
        el.consent.hidden = false;
        el.consent.querySelector('h2').setAttribute('tabindex', '-1');
    } else {
        openChat();
    }
}
