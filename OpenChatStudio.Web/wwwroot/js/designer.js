// Ctrl+S in the pipeline designer: keep the browser's "Save page" dialog away (Blazor handles the key itself) and commit
// the field being typed in first: its change event reaches the server before the key does, so the save takes what is
// on screen, not the text from before the last keystrokes.
document.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'S') && e.target && e.target.closest && e.target.closest('.ocs-designer')) {
        e.preventDefault();
        var active = document.activeElement;
        if (active && (active.tagName === 'INPUT' || active.tagName === 'TEXTAREA')) {
            active.blur();
            active.focus();
        }
    }
}, true);

// "Reload the page" on the blocking error screens is a full reload, also when the circuit is gone.
document.addEventListener('click', function (e) {
    var reload = e.target && e.target.closest && e.target.closest('.ocs-reload');
    if (reload) {
        e.preventDefault();
        e.stopPropagation();
        location.reload();
    }
}, true);
