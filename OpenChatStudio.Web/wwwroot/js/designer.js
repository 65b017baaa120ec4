// Keeps the browser's "Save page" dialog away when Ctrl+S saves the pipeline designer (Blazor handles the key itself).
document.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'S') && e.target && e.target.closest && e.target.closest('.ocs-designer')) {
        e.preventDefault();
    }
}, true);
